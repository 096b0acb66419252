/**
 * Where an operation comes from, read the same way over HTTP and WebSocket: its request id, its
 * W3C trace context, the client's address (through trusted proxies) and who is calling (from a
 * bearer token). The transports differ only in where the headers are.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { OperationOrigin } from "../context.ts";
import { apiError, ErrorCode } from "../error-codes.ts";
import { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "../infra/auth/token-verifier.ts";

/** Reads one request header (lower-case name). */
export type HeaderReader = (name: string) => string | null | undefined;

export const fetchHeaders = (request: Request): HeaderReader => (name) => request.headers.get(name);

export const nodeHeaders = (request: IncomingMessage): HeaderReader => (name) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The caller's `x-request-id` when it is a sane one, else a new id. */
export const requestIdFrom = (read: HeaderReader): string => {
  const given = read("x-request-id");
  return given && REQUEST_ID.test(given) ? given : randomUUID();
};

export interface RequestOrigins {
  /**
   * What the transport knows about an operation before it runs (the viewer is added once the
   * token is verified). `connectedAddress` is the socket's peer.
   */
  originOf(read: HeaderReader, connectedAddress: string | undefined, requestId: string): Omit<OperationOrigin, "viewer" | "transport">;
}

export function createRequestOrigins({ trustedProxyHops }: { readonly trustedProxyHops: number }): RequestOrigins {
  /** The client's address: the connection's, or what the trusted proxies say it was. */
  const clientAddressOf = (forwarded: string | null | undefined, connected: string | undefined) => {
    if (trustedProxyHops === 0 || !forwarded) return connected;
    const chain = forwarded.split(",").map((part) => part.trim());
    return chain[chain.length - trustedProxyHops] ?? connected;
  };
  return {
    originOf(read, connectedAddress, requestId) {
      const traceparent = read("traceparent");
      return {
        requestId,
        metadata: traceparent && TRACEPARENT.test(traceparent) ? { traceparent } : {},
        clientAddress: clientAddressOf(read("x-forwarded-for"), connectedAddress),
      };
    },
  };
}

export const unauthenticated = (message: string, httpStatus?: number) => apiError(ErrorCode.UNAUTHENTICATED, message, { httpStatus });

/**
 * Who is calling, from an Authorization value ("Bearer <JWT>"): null without one; a present but
 * invalid one is UNAUTHENTICATED (401 over HTTP).
 */
export async function viewerOfHeader(verify: TokenVerifier, header: string | null | undefined): Promise<VerifiedToken | null> {
  if (!header) return null;
  const token = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  if (!token) throw unauthenticated('The Authorization header must be "Bearer <token>".', 401);
  try {
    return await verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(`Invalid token: ${error.message}.`, 401);
    throw error;
  }
}
