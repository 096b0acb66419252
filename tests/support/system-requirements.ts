/**
 * What the suite needs from the machine besides npm packages, checked once before any test runs
 * so a missing one is one clear message in the first seconds, not five files failing one by one.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's chromium (or CHROMIUM_PATH): the GraphiQL browser test drives it, never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? (process.platform === "darwin" ? "/Applications/Chromium.app/Contents/MacOS/Chromium" : "/usr/bin/chromium");

export function missingSystemRequirements(): string[] {
  const missing: string[] = [];
  // REDIS_URL can stand in for one server, but the Sentinel and Cluster tests start their own.
  const redisPrograms = ["redis-server", "redis-cli"].filter((program) => spawnSync(program, ["--version"]).error);
  if (redisPrograms.length > 0) {
    missing.push(`${redisPrograms.join(" and ")} (Redis 7 or newer; the Sentinel and Cluster tests start their own): Debian/Ubuntu \`sudo apt-get install redis-server\`, macOS \`brew install redis\``);
  }
  if (!existsSync(CHROMIUM_PATH)) {
    missing.push(`Chromium at ${CHROMIUM_PATH} (or set CHROMIUM_PATH): Debian/Ubuntu \`sudo apt-get install chromium\`, macOS \`brew install --cask chromium\``);
  }
  return missing;
}
