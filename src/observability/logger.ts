import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/**
 * Structured JSON logs on stdout. Operation logs never include variables; these paths are
 * redacted wherever they appear, as a second line of defence for personal data and secrets.
 */
export const REDACTED_PATHS = [
  "email",
  "*.email",
  "*.*.email",
  "variables",
  "*.variables",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.cookie",
  "password",
  "*.password",
  "err.detail",
  "err.parameters",
];

/**
 * JSON lines (for machines: production, tests, log shippers), or readable colored lines for a
 * person at a terminal (pino-pretty, written synchronously so nothing is lost on exit).
 */
export const createLogger = (level: string, env = "development", format: "json" | "pretty" = "json"): Logger => {
  const options = {
    level,
    base: { service: "ordergraph", env },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  return format === "pretty" ? pino(options, pretty({ sync: true, ignore: "pid,hostname,service,env", translateTime: "SYS:HH:MM:ss.l" })) : pino(options);
};
