/**
 * A second federation subgraph for tests, "loyalty", that extends ordergraph's `User` with points.
 * It knows users by their UUID (a token's `sub`, the ids in ordergraph's events) and keeps its
 * points by it; at its edge it converts to and from ordergraph's global ID, the entity key
 * (`base64url("User:" + uuid)`), as any subgraph extending `User` would. It checks no token:
 * what a caller may see of a user is ordergraph's to decide.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { createYoga } from "graphql-yoga";

export const LOYALTY_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

type User @key(fields: "id") {
  id: ID!
  loyalty: Loyalty!
}

type Loyalty {
  points: Int!
  tier: String!
}

type Query {
  "A member by global ID."
  member(id: ID!): User
  "Every member, most points first."
  members: [User]!
}
`;

export interface Served {
  /** http://127.0.0.1:port/graphql */
  readonly url: string;
  close(): Promise<void>;
}

const globalIdOf = (uuid: string) => Buffer.from(`User:${uuid}`, "utf8").toString("base64url");
const uuidOf = (globalId: string) => /^User:(.+)$/.exec(Buffer.from(globalId, "base64url").toString("utf8"))?.[1];

/** Serves the loyalty subgraph on a free port, with these points per user UUID. */
export function startLoyaltySubgraph(pointsByUuid: ReadonlyMap<string, number>): Promise<Served> {
  const loyaltyOf = (globalId: string) => {
    const points = pointsByUuid.get(uuidOf(globalId) ?? "") ?? 0;
    return { points, tier: points >= 1000 ? "GOLD" : "BRONZE" };
  };
  const schema = buildSubgraphSchema({
    typeDefs: parse(LOYALTY_SDL),
    resolvers: {
      Query: {
        member: (_: unknown, { id }: { id: string }) => ({ id }),
        members: () => [...pointsByUuid].sort(([, a], [, b]) => b - a).map(([uuid]) => ({ id: globalIdOf(uuid) })),
      },
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        loyalty: ({ id }: { id: string }) => loyaltyOf(id),
      },
    },
  });
  return serve(createYoga({ schema, logging: false }));
}

/** Serves an HTTP handler (a yoga or gateway instance) on a free port of 127.0.0.1. */
export function serve(handler: (request: IncomingMessage, response: ServerResponse) => unknown): Promise<Served> {
  return new Promise((resolve) => {
    const server: Server = createServer((request, response) => void handler(request, response));
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
