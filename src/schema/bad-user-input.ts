import { GraphQLError } from "graphql";

/** A top-level error for a bad argument: the field fails and nothing behind it runs. */
export const badUserInput = (message: string, argument?: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...(argument ? { argument } : {}) } });
