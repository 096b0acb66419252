/** Tokens for tests: signed with a test secret the test servers verify against. */
import { issueToken } from "../../src/infra/auth/token-issuer.ts";

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-bytes-long!";
export const TEST_AUTH = { secret: TEST_JWT_SECRET } as const;

/** An administrator without a user record. */
export const ADMIN_TOKEN = await issueToken(TEST_JWT_SECRET, { sub: "00000000-0000-7000-8000-00000000a0a0", roles: ["admin"], ttlSeconds: 3600 });

export const bearer = (token: string) => `Bearer ${token}`;

export const ADMIN_AUTHORIZATION = bearer(ADMIN_TOKEN);

export const customerToken = (userId: string, ttlSeconds = 3600) => issueToken(TEST_JWT_SECRET, { sub: userId, roles: ["customer"], ttlSeconds });
