import { pino, type Logger } from "pino";

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

export const createLogger = (level: string, env = "development"): Logger =>
  pino({
    level,
    base: { service: "ordergraph", env },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  });
