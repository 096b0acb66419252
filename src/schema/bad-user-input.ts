import type { GraphQLError } from "graphql";
import { apiError, ErrorCode } from "../error-codes.ts";

/** A top-level error for a bad argument: the field fails and nothing behind it runs. */
export const badUserInput = (message: string, argument?: string): GraphQLError =>
  apiError(ErrorCode.BAD_USER_INPUT, message, argument ? { extensions: { argument } } : {});
