/**
 * What of an error may be logged. Database errors quote the values that failed (an email in a
 * duplicate-key detail, inlined parameters in SQL), so quoted literals and anything shaped like
 * an email are replaced before an error reaches the log.
 */
const QUOTED = /'(?:[^']|'')*'/g;
// Not across "/" or ":", so a stack frame's path (…/pkg@1.2.3/dist/index.js:6:16) stays readable.
const EMAIL = /[^\s@'"(),/:]+@[^\s@'"(),/:]+\.[A-Za-z]{2,}/g;

export const scrub = (text: string): string => text.replace(QUOTED, "'…'").replace(EMAIL, "<email>");

export function safeError(error: unknown): { type: string; message: string; code?: string; constraint?: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: scrub(String(error)) };
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return {
    type: error.name,
    message: scrub(error.message),
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof constraint === "string" ? { constraint } : {}),
    ...(error.stack ? { stack: scrub(error.stack) } : {}),
  };
}
