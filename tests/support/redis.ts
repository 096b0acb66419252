import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createConnection, createServer } from "node:net";
import type { RedisServers } from "../../src/options.ts";

export interface RedisServer {
  readonly url: string;
  /** The `redis` option that points at it. */
  readonly servers: RedisServers;
  readonly port: number;
  /** Kills the server abruptly, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port (data is not kept). */
  restart(): Promise<void>;
  /** Freezes (SIGSTOP) / thaws (SIGCONT) the server: connections stay open, nothing answers. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** REDIS_URL when set; otherwise a private redis-server from PATH. */
export async function redisForTests(): Promise<Pick<RedisServer, "url" | "servers" | "stop">> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, servers: { mode: "standalone", url: process.env.REDIS_URL }, stop: async () => {} };
  return startRedisServer();
}

/** A redis-server of the test's own, on a free port, so it can be killed without harming others. */
export async function startRedisServer(): Promise<RedisServer> {
  requireRedisPrograms("redis-server");
  const port = await freePort();
  let server: RedisProcess | undefined;
  const start = async () => {
    server = await spawnRedisServer(port, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  };
  await start();
  let paused = false;
  const signal = (name: "SIGSTOP" | "SIGCONT") => async () => {
    paused = name === "SIGSTOP";
    server?.signal(name);
  };
  const kill = async () => {
    if (paused) server?.signal("SIGCONT");
    await server?.kill();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    servers: { mode: "standalone", url: `redis://127.0.0.1:${port}` },
    port,
    kill,
    restart: start,
    stop: kill,
    pause: signal("SIGSTOP"),
    resume: signal("SIGCONT"),
  };
}

/** Throws, saying how to install them, unless every program is on PATH. */
export function requireRedisPrograms(...programs: ("redis-server" | "redis-cli")[]) {
  const missing = programs.filter((program) => spawnSync(program, ["--version"]).error);
  if (missing.length > 0) {
    throw new Error(`These tests need ${missing.join(" and ")} (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).`);
  }
}

export interface RedisProcess {
  readonly port: number;
  /** Kills it abruptly, as a crash would; resolves once it has exited. */
  kill(): Promise<void>;
  signal(name: "SIGSTOP" | "SIGCONT"): void;
}

/** Every redis-server this process started and has not killed: killed when it exits, even after a failed test. */
const running = new Set<ChildProcess>();
process.once("exit", () => running.forEach((child) => child.kill("SIGKILL")));

/** Starts `redis-server args` (a server or a sentinel) that listens on `port`; resolves once it does. */
export async function spawnRedisServer(port: number, args: readonly string[]): Promise<RedisProcess> {
  const child = spawn("redis-server", args, { stdio: "ignore" });
  running.add(child);
  child.once("exit", () => running.delete(child));
  try {
    await waitForPort(port);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    port,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
    signal: (name) => void child.kill(name),
  };
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

/** `count` distinct free ports (held open together while they are picked, so none repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.on("error", reject);
            server.listen(0, "127.0.0.1", () => {
              const address = server.address();
              resolve(typeof address === "object" && address ? address.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function waitForPort(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until Redis has at least `count` subscribers on `channel`, i.e. the subscriptions are live. */
export async function waitForSubscribers(redisUrl: string, channel: string, count = 1, timeoutMs = 5000): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [, subscribers] = (await redis.pubsub("NUMSUB", channel)) as [string, number];
      if (subscribers >= count) return;
      if (Date.now() > deadline) throw new Error(`no ${count} subscriber(s) on ${channel} within ${timeoutMs} ms (have ${subscribers})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    redis.disconnect();
  }
}
