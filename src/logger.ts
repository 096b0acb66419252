import { pino, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs on stdout. */
export const createLogger = (level: string): Logger =>
  pino({ level, base: { service: "ordergraph" }, timestamp: pino.stdTimeFunctions.isoTime });
