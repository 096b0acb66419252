import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { TEST_JWT_SECRET } from "./auth.ts";

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Every line the process printed, stdout and stderr. */
  readonly output: string[];
  /** Resolves with the GraphQL URL once the server logs that it serves. */
  readonly ready: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

const root = new URL("../../", import.meta.url);

/** Runs `src/server.ts` as `npm start` does, in its own process (in `cwd`, by default this checkout). */
export function startServerProcess(env: Record<string, string | undefined>, options: { cwd?: string | URL } = {}): ServerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: options.cwd ?? root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", LOG_LEVEL: "info", LOG_FORMAT: "json", HOST: "127.0.0.1", PORT: "0", AUTH_JWT_SECRET: TEST_JWT_SECRET, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        output.push(line);
        const url = /"url":"([^"]+)"/.exec(line)?.[1];
        if (url && line.includes("serving")) resolve(url);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => reject(new Error(`server exited with ${code} before serving:\n${output.join("\n")}`)));
  });
  ready.catch(() => {});
  return { child, output, ready, exited };
}
