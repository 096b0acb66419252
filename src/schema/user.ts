import type { User } from "../domain/users/user.ts";
import type { UserFilter, UserSortField } from "../domain/users/user-repository.ts";
import { openToAnonymous } from "./access.ts";
import { builder } from "./builder.ts";
import { connectionCost } from "./cost.ts";
import { SortDirectionEnum, toConnection, toPageRequest, type CursorScope } from "./connection.ts";
import { invalidInput, MutationError, toPayload } from "./errors.ts";
import { decodeEntityKey, decodeGlobalIdOf, tryDecodeGlobalIdOf } from "./global-id.ts";
import "./scalars.ts";

export const UserStatusEnum = builder.enumType("UserStatus", { values: ["ACTIVE", "DEACTIVATED"] as const });

export const UserRef = builder.objectRef<User>("User");

builder.node(UserRef, {
  id: { resolve: (user) => user.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "email" in value,
  loadMany: (ids, { loaders }) => ids.map((id) => loaders.userById.load(id)),
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.exposeString("name"),
    status: t.expose("status", { type: UserStatusEnum }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    version: t.exposeInt("version", { description: "Optimistic-concurrency version; increases by one on every change." }),
  }),
});

// In the federation subgraph (options.federation) other subgraphs refer to a user by its global
// ID; `_entities` loads it as `node` does, through the loader: one statement per batch of
// representations, the viewer's rules applied by the service.
builder.asEntity(UserRef, {
  key: builder.selection<{ id: string }>("id"),
  resolveReference: (reference, { loaders }) => loaders.userById.load(decodeEntityKey("User", reference)),
});

const UserConnection = builder.connectionObject(
  {
    type: UserRef,
    name: "UserConnection",
    fields: (t) => ({
      totalCount: t.int({
        description: "Number of items matching the filter, ignoring the cursors and page size.",
        resolve: (connection) => connection.totalCount(),
      }),
    }),
  },
  { name: "UserEdge" },
);

const UserFilterInput = builder.inputType("UserFilter", {
  fields: (t) => ({
    search: t.string({ description: "Case-insensitive substring match on name or email." }),
    status: t.field({ type: UserStatusEnum }),
    createdAfter: t.field({ type: "DateTime", description: "Inclusive lower bound on createdAt." }),
    createdBefore: t.field({ type: "DateTime", description: "Exclusive upper bound on createdAt." }),
  }),
});

const UserSortFieldEnum = builder.enumType("UserSortField", { values: ["CREATED_AT", "NAME", "EMAIL"] as const });

const UserSortInput = builder.inputType("UserSort", {
  description: "Sort order; ties are broken by id in the same direction.",
  fields: (t) => ({
    field: t.field({ type: UserSortFieldEnum, required: true }),
    direction: t.field({ type: SortDirectionEnum, required: true }),
  }),
});

const CURSOR_KIND = { CREATED_AT: "timestamp", NAME: "text", EMAIL: "text" } as const;

builder.queryFields((t) => ({
  viewer: t.field({
    type: UserRef,
    nullable: true,
    description: "The caller's own user; null for anonymous callers and for administrators without a user record.",
    extensions: openToAnonymous,
    resolve: (_, __, { services }) => services.users.getViewer(),
  }),
  user: t.field({
    type: UserRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, args, { services }) => services.users.getOne(decodeGlobalIdOf("User", args.id, "id")),
  }),
  userByEmail: t.field({
    type: UserRef,
    nullable: true,
    args: { email: t.arg.string({ required: true }) },
    resolve: (_, args, { services }) => services.users.getOneByEmail(args.email),
  }),
  users: t.connection(
    {
      type: UserRef,
      description: "Default order is createdAt ASC. first/last: 0..100, default 20; first and last together are rejected.",
      complexity: connectionCost,
      args: {
        filter: t.arg({ type: UserFilterInput }),
        orderBy: t.arg({ type: UserSortInput }),
      },
      async resolve(_, args, { services, loaders }) {
        const sort = args.orderBy ?? { field: "CREATED_AT" as UserSortField, direction: "ASC" as const };
        const scope: CursorScope = { typename: "User", sort, kind: CURSOR_KIND[sort.field] };
        const page = toPageRequest(args, scope);
        const filter: UserFilter = {
          ...(args.filter?.search != null && { search: args.filter.search }),
          ...(args.filter?.status != null && { status: args.filter.status }),
          ...(args.filter?.createdAfter != null && { createdAfter: args.filter.createdAfter }),
          ...(args.filter?.createdBefore != null && { createdBefore: args.filter.createdBefore }),
        };
        const result = await services.users.getPage({ filter, sort, page });
        loaders.prime.users(result.edges.map((edge) => edge.node));
        return toConnection(result, scope, () => services.users.count(filter));
      },
    },
    UserConnection,
  ),
}));

const UserPayload = builder.objectRef<{ user: User | null; errors: { code: string }[] }>("UserPayload").implement({
  description: "On success `user` is set and `errors` is empty; on an expected failure `user` is null and `errors` says why.",
  fields: (t) => ({
    user: t.field({ type: UserRef, nullable: true, resolve: (payload) => payload.user }),
    errors: t.field({ type: [MutationError], resolve: (payload) => payload.errors as never }),
  }),
});

const CreateUserInput = builder.inputType("CreateUserInput", {
  fields: (t) => ({
    email: t.string({ required: true }),
    name: t.string({ required: true }),
  }),
});

const UpdateUserInput = builder.inputType("UpdateUserInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    expectedVersion: t.int({ description: "When given, the update is rejected with VERSION_CONFLICT unless it equals the stored version." }),
    email: t.string(),
    name: t.string(),
  }),
});

const DeactivateUserInput = builder.inputType("DeactivateUserInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    expectedVersion: t.int(),
  }),
});

const notAUserId = () => invalidInput("`id` must be the ID of a User returned by this API.", ["id"]);

builder.mutationFields((t) => ({
  createUser: t.field({
    type: UserPayload,
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    extensions: openToAnonymous,
    resolve: async (_, { input }, { services, rateLimit }) => {
      await rateLimit("createUser");
      return toPayload("user", await services.users.createOne(input));
    },
  }),
  updateUser: t.field({
    type: UserPayload,
    args: { input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: async (_, { input }, { services, rateLimit }) => {
      await rateLimit("updateUser");
      const id = tryDecodeGlobalIdOf("User", input.id);
      if (!id) return { user: null, ...notAUserId() };
      return toPayload("user", await services.users.updateOne({ ...input, id }));
    },
  }),
  deactivateUser: t.field({
    type: UserPayload,
    args: { input: t.arg({ type: DeactivateUserInput, required: true }) },
    resolve: async (_, { input }, { services }) => {
      const id = tryDecodeGlobalIdOf("User", input.id);
      if (!id) return { user: null, ...notAUserId() };
      return toPayload("user", await services.users.deactivateOne({ ...input, id }));
    },
  }),
}));
