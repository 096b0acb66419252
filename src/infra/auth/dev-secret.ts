/**
 * Development only: without verification settings, the server and `npm run token` share a
 * random HS256 secret kept in .data/ (git-ignored), so locally minted tokens just work.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const DEV_SECRET_FILE = ".data/dev-jwt-secret";

export function loadOrCreateDevSecret(file = DEV_SECRET_FILE): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(48).toString("base64url");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
