/**
 * Mints a token with the configured secret (AUTH_JWT_SECRET, else the development secret), for
 * local use and tests. Usage: npm run token -- --sub <user id> --role customer|admin [--ttl 1h]
 * The user id may be the global ID the API shows (`User.id`) or the raw UUID inside it.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { isUuid } from "../domain/shared/ids.ts";
import { loadOrCreateDevSecret } from "../infra/auth/dev-secret.ts";
import { issueToken } from "../infra/auth/token-issuer.ts";
import { decodeGlobalIdOf } from "../schema/global-id.ts";

const { values } = parseArgs({ options: { sub: { type: "string" }, role: { type: "string", default: "customer" }, ttl: { type: "string", default: "1h" } } });
const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};

const role = values.role === "admin" || values.role === "customer" ? values.role : fail('--role must be "admin" or "customer"');
/** A user's raw UUID, from the global ID the API shows or the UUID itself. */
const userIdOf = (value: string): string => {
  if (isUuid(value)) return value.toLowerCase();
  try {
    return decodeGlobalIdOf("User", value, "sub");
  } catch {
    return fail(`--sub must be a user's id: the \`id\` the API returns for a User (e.g. from { viewer { id } }), or its UUID; "${value.slice(0, 80)}" is neither`);
  }
};
const sub = values.sub === undefined ? (role === "admin" ? "00000000-0000-7000-8000-000000000000" : fail("--sub <user id> is required for a customer token")) : userIdOf(values.sub);
const ttl = /^(\d+)([smhd]?)$/.exec(values.ttl ?? "1h") ?? fail("--ttl must look like 90s, 15m, 1h or 7d");
const ttlSeconds = Number(ttl[1]) * { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[ttl[2] as "" | "s" | "m" | "h" | "d"];

const config = loadConfig();
const secret = config.auth?.secret ?? (config.auth ? fail("AUTH_JWT_SECRET is needed to mint tokens (public-key verification only verifies)") : loadOrCreateDevSecret());
console.log(await issueToken(secret, { sub, roles: [role], ttlSeconds, issuer: config.auth?.issuer, audience: config.auth?.audience }));
