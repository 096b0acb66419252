/** The API's error vocabulary: one table, one factory. */
import { describe, expect, it } from "vitest";
import { apiError, apiErrorBody, ErrorCode } from "../../src/error-codes.ts";

describe("apiError", () => {
  it("puts the code first, keeps it authoritative, and adds the HTTP status only when asked", () => {
    const error = apiError(ErrorCode.RATE_LIMITED, "Slow down.", { extensions: { retryAfterSeconds: 3, code: "SOMETHING_ELSE" } });
    expect(Object.keys(error.extensions)).toEqual(["code", "retryAfterSeconds"]);
    expect(error.extensions.code).toBe("RATE_LIMITED");
    expect(apiError(ErrorCode.BAD_USER_INPUT, "No.", { httpStatus: 400 }).extensions).toEqual({ code: "BAD_USER_INPUT", http: { status: 400 } });
    expect(JSON.parse(apiErrorBody(ErrorCode.SERVICE_UNAVAILABLE, "Busy.", { retryAfterSeconds: 1 }))).toEqual({ errors: [{ message: "Busy.", extensions: { code: "SERVICE_UNAVAILABLE", retryAfterSeconds: 1 } }] });
  });

  it("each code is its own name", () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(code).toBe(name);
  });
});
