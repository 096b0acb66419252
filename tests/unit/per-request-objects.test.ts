/**
 * Objects made for every request carry no getters of their own. V8 allocates a property's
 * getter/setter pair in the old generation, so an object literal with getters (or a
 * defineProperty getter) leaves an old-generation object pointing at the request's closures:
 * every young-generation collection then keeps the whole request (its context, loaders, rows)
 * alive and promotes it, and only a full collection frees it. Measured: 1.4–3.5 MB surviving
 * each scavenge under one client's reads, 50 KB with classes (getters on the prototype) instead
 * (docs/decisions.md, "No getters of their own on per-request objects").
 */
import { describe, expect, it } from "vitest";
import { ANONYMOUS } from "../../src/domain/access/viewer.ts";
import { createContextFactory, type ContextDeps } from "../../src/context.ts";
import { toConnection, type CursorScope } from "../../src/schema/connection.ts";

const ownGetters = (value: object): string[] =>
  Object.entries(Object.getOwnPropertyDescriptors(value))
    .filter(([, descriptor]) => descriptor.get !== undefined || descriptor.set !== undefined)
    .map(([name]) => name);

const scope: CursorScope = { typename: "User", sort: { field: "CREATED_AT", direction: "ASC" }, kind: "timestamp" };
const page = {
  edges: [
    { key: { value: "2025-01-01T00:00:00.000Z", id: "01900000-0000-7000-8000-000000000001" }, node: { id: "a" } },
    { key: { value: "2025-01-02T00:00:00.000Z", id: "01900000-0000-7000-8000-000000000002" }, node: { id: "b" } },
  ],
  hasNextPage: true,
  hasPreviousPage: false,
};

describe("per-request objects", () => {
  it("a connection, its edges and its pageInfo have no getters of their own, and still encode cursors on demand", () => {
    const connection = toConnection(page, scope, () => Promise.resolve(2));
    for (const value of [connection, connection.pageInfo, ...connection.edges]) expect(ownGetters(value)).toEqual([]);
    expect(connection.pageInfo.startCursor).toBe(connection.edges[0]!.cursor);
    expect(connection.pageInfo.endCursor).toBe(connection.edges[1]!.cursor);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(toConnection({ edges: [], hasNextPage: false, hasPreviousPage: false }, scope, () => Promise.resolve(0)).pageInfo).toMatchObject({
      startCursor: null,
      endCursor: null,
    });
  });

  it("an operation's context and its services have no getters of their own", () => {
    // Nothing is wired until a service is used, so the database-side dependencies are never touched here.
    const createContext = createContextFactory({ events: {} } as unknown as ContextDeps);
    const context = createContext({ requestId: "r1", viewer: ANONYMOUS });
    expect(ownGetters(context)).toEqual([]);
    expect(ownGetters(context.services)).toEqual([]);
    expect(context.services.events).toBeDefined();
  });
});
