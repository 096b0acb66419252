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
  if (!process.env.REDIS_URL && spawnSync("redis-server", ["--version"]).error) {
    missing.push("redis-server (or set REDIS_URL): Debian/Ubuntu `sudo apt-get install redis-server`, macOS `brew install redis`");
  }
  if (!existsSync(CHROMIUM_PATH)) {
    missing.push(`Chromium at ${CHROMIUM_PATH} (or set CHROMIUM_PATH): Debian/Ubuntu \`sudo apt-get install chromium\`, macOS \`brew install --cask chromium\``);
  }
  return missing;
}
