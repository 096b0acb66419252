/**
 * Shared fan-out: subscriptions that must see the same results (the same document, variables and
 * caller) run once, as a group. Each event is executed once for the group and serialized once,
 * and the same text is written to every member's socket as a graphql-transport-ws `next` message
 * under the member's own operation id. graphql-ws still owns each operation's lifecycle: the
 * member's stream yields nothing and ends when the group ends, and graphql-ws then sends
 * `complete` (or `error`).
 *
 * - Authorization is the caller's: a group key includes who the caller is (role and user), so
 *   every member gets exactly what its own subscription would, checked by the same resolvers.
 * - Each execution still gets a fresh context (the feed renews it per event).
 * - Only live subscriptions are shared. One with `after:` replays from its own resume point, so
 *   it runs in a group of its own.
 * - Backpressure is per socket: a member whose socket holds more than `maxUnsentBytes` not yet
 *   sent (a client that stops reading) is too slow: `onTooSlow` is called once (the transport
 *   closes the connection, 1013) and it leaves the group; the client resumes with `after:` and
 *   loses nothing. Nothing waits for a slow socket, so no member can hold up another.
 */
import { Kind, OperationTypeNode, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from "graphql";
import { isAsyncIterable } from "graphql-yoga";

export interface SharedSubscriptionsOptions {
  /** Bytes a member's socket may hold unsent before the member is too slow (options.ts: subscriptions.maxUnsentBytesPerSocket). */
  readonly maxUnsentBytes: number;
  /** A member joined or left (for metrics and logs). */
  readonly onMembers?: (change: 1 | -1) => void;
}

/** One subscriber: where its messages go. */
export interface SharedSubscriber {
  /** Its graphql-ws operation id. */
  readonly id: string;
  /** Writes one message to its socket. */
  send(message: string): void;
  /** Bytes written to its socket and not yet sent. */
  unsentBytes(): number;
  /** Called once when it falls too far behind; it has then left its group. */
  onTooSlow(): void;
}

type Source = AsyncIterator<ExecutionResult>;

interface Member extends AsyncGenerator<never, undefined> {
  deliver(payload: string): void;
  end(error?: unknown): void;
}

interface Group {
  readonly key: string;
  readonly members: Set<Member>;
  /** Resolves to the group's source, or to the single result a failed start gave. */
  readonly started: Promise<Source | ExecutionResult>;
}

export type SharedSubscriptions = ReturnType<typeof createSharedSubscriptions>;

export function createSharedSubscriptions({ maxUnsentBytes, onMembers }: SharedSubscriptionsOptions) {
  const groups = new Map<string, Group>();
  let ownGroups = 0;

  const leave = (group: Group, member: Member) => {
    if (!group.members.delete(member)) return;
    onMembers?.(-1);
    if (group.members.size > 0) return;
    if (groups.get(group.key) === group) groups.delete(group.key);
    void group.started.then((source) => (isIterator(source) ? source.return?.() : undefined)).catch(() => {});
  };

  const pump = async (group: Group, source: Source) => {
    try {
      for (;;) {
        const step: IteratorResult<ExecutionResult, unknown> = await source.next();
        if (step.done) break;
        const payload = JSON.stringify(step.value);
        for (const member of group.members) member.deliver(payload);
      }
      for (const member of [...group.members]) member.end();
    } catch (error) {
      for (const member of [...group.members]) member.end(error);
    } finally {
      if (groups.get(group.key) === group) groups.delete(group.key);
    }
  };

  return {
    /**
     * The stream graphql-ws runs for one subscriber: it joins the group for `key`, started by
     * `start` when there is none (a null key is a group of its own). A start that fails (an
     * error result) is given to every subscriber that was waiting for it; the group is not kept.
     */
    async subscribe(groupKey: string | null, start: () => Promise<unknown>, subscriber: SharedSubscriber): Promise<unknown> {
      const key = groupKey ?? `own:${ownGroups++}`;
      let group = groups.get(key);
      if (!group) {
        const started = (async () => {
          const result = (await start()) as ExecutionResult | AsyncIterable<ExecutionResult>;
          return isAsyncIterable(result) ? result[Symbol.asyncIterator]() : result;
        })();
        const created: Group = { key, members: new Set(), started };
        group = created;
        groups.set(key, created);
        void started.then(
          (source) => {
            if (isIterator(source)) void pump(created, source);
            else if (groups.get(key) === created) groups.delete(key);
          },
          () => {
            if (groups.get(key) === created) groups.delete(key);
          },
        );
      }
      const source = await group.started;
      if (!isIterator(source)) return source;
      const joined = group;
      const member = createMember(subscriber, maxUnsentBytes, () => leave(joined, member));
      joined.members.add(member);
      onMembers?.(1);
      return member;
    },
    /** Groups running now. */
    get groups() {
      return groups.size;
    },
  };
}

function createMember(subscriber: SharedSubscriber, maxUnsentBytes: number, left: () => void): Member {
  const prefix = `{"id":${JSON.stringify(subscriber.id)},"type":"next","payload":`;
  let waiting: { resolve(result: IteratorResult<never, undefined>): void; reject(error: Error): void } | undefined;
  let ended: { error?: Error } | undefined;

  const finish = (error?: unknown) => {
    if (ended) return;
    ended = { error: error === undefined ? undefined : error instanceof Error ? error : new Error("the subscription's stream failed", { cause: error }) };
    left();
    const pending = waiting;
    waiting = undefined;
    if (!pending) return;
    if (ended.error) pending.reject(ended.error);
    else pending.resolve({ value: undefined, done: true });
  };

  const member: Member = {
    deliver(payload) {
      if (ended) return;
      if (subscriber.unsentBytes() > maxUnsentBytes) {
        finish();
        subscriber.onTooSlow();
        return;
      }
      subscriber.send(`${prefix}${payload}}`);
    },
    end: finish,
    // Yields nothing: results go straight to the socket; graphql-ws learns only of the end.
    next() {
      if (ended) return ended.error ? Promise.reject(ended.error) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error: unknown) {
      finish();
      return Promise.reject(error instanceof Error ? error : new Error("thrown into a subscription", { cause: error }));
    },
    [Symbol.asyncIterator]() {
      return member;
    },
    [Symbol.asyncDispose]() {
      return member.return(undefined).then(() => undefined);
    },
  };
  return member;
}

/**
 * The group key of a subscription, or null when it must run on its own: one that resumes with
 * `after:` (its replay is its own). `caller` identifies who asks (role and user).
 */
export function groupKeyOf(args: { document: DocumentNode; operationName?: string | null; variables?: Record<string, unknown> | null; source: string }, caller: string): string | null {
  const operation = args.document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (args.operationName ? definition.name?.value === args.operationName : true),
  );
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) return null;
  for (const selection of operation.selectionSet.selections as readonly { kind: string; arguments?: readonly { name: { value: string }; value: { kind: string; name?: { value: string } } }[] }[]) {
    if (selection.kind !== "Field") return null;
    for (const argument of selection.arguments ?? []) {
      if (argument.name.value !== "after") continue;
      if (argument.value.kind === "NullValue") continue;
      if (argument.value.kind === "Variable") {
        const name = argument.value.name!.value;
        const given = args.variables?.[name];
        // A variable not sent takes its default, which may be a resume point too.
        const fallback = operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
        if (given === null || (given === undefined && (!fallback || fallback.kind === Kind.NULL))) continue;
      }
      return null;
    }
  }
  return JSON.stringify([caller, args.source, args.operationName ?? null, args.variables ?? {}]);
}

const isIterator = (value: unknown): value is Source => typeof value === "object" && value !== null && typeof (value as Source).next === "function";
