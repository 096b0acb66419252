/** Which subscriptions may share one execution: never one that resumes from its own point. */
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { groupKeyOf } from "../../src/transport/shared-subscriptions.ts";

const keyOf = (source: string, variables: Record<string, unknown> = {}, caller = "admin:-") => groupKeyOf({ document: parse(source), variables, source }, caller);

describe("groupKeyOf", () => {
  it("shares a live subscription, per caller", () => {
    const live = "subscription { orderEvents { id } }";
    expect(keyOf(live)).toBe(keyOf(live));
    expect(keyOf(live, {}, "customer:a")).not.toBe(keyOf(live, {}, "customer:b"));
    expect(keyOf(live, { x: 1 })).not.toBe(keyOf(live, { x: 2 }));
  });

  it("runs a subscription that resumes on its own, however `after` is given", () => {
    expect(keyOf('subscription { orderEvents(after: "e1") { id } }')).toBeNull();
    expect(keyOf("subscription($a: ID) { orderEvents(after: $a) { id } }", { a: "e1" })).toBeNull();
    expect(keyOf('subscription($a: ID = "e1") { orderEvents(after: $a) { id } }')).toBeNull();
  });

  it("shares one whose `after` is null or absent", () => {
    expect(keyOf("subscription { orderEvents(after: null) { id } }")).not.toBeNull();
    expect(keyOf("subscription($a: ID) { orderEvents(after: $a) { id } }")).not.toBeNull();
    expect(keyOf('subscription($a: ID = "e1") { orderEvents(after: $a) { id } }', { a: null })).not.toBeNull();
  });

  it("does not share queries or mutations", () => {
    expect(keyOf("{ users { totalCount } }")).toBeNull();
  });
});
