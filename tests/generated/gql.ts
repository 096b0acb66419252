/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on User { email }\n      ... on Order { status user { id } }\n    }\n  }\n": typeof types.NodeByIdDocument,
    "\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) { __typename id }\n  }\n": typeof types.NodesByIdsDocument,
    "\n  mutation NodeSetup($email: String!) {\n    createUser(input: { email: $email, name: \"Node\" }) { user { id } }\n  }\n": typeof types.NodeSetupDocument,
    "\n  mutation NodeSetupOrder($userId: ID!) {\n    placeOrder(input: { userId: $userId, currency: \"GBP\", items: [{ sku: \"X\", name: \"X\", quantity: 1, unitPriceCents: 1 }] }) { order { id } }\n  }\n": typeof types.NodeSetupOrderDocument,
    "\n  mutation CreateOrderingUser($input: CreateUserInput!) {\n    createUser(input: $input) { user { id } errors { code } }\n  }\n": typeof types.CreateOrderingUserDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      order {\n        id status currency version\n        total { cents currency amount }\n        items { sku name quantity unitPrice { cents amount } subtotal { cents amount currency } }\n        user { id }\n      }\n      errors { code message field }\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  mutation ConfirmOrder($input: OrderTransitionInput!) {\n    confirmOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n": typeof types.ConfirmOrderDocument,
    "\n  mutation ShipOrder($input: OrderTransitionInput!) {\n    shipOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n": typeof types.ShipOrderDocument,
    "\n  mutation DeliverOrder($input: OrderTransitionInput!) {\n    deliverOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n": typeof types.DeliverOrderDocument,
    "\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) { order { id status version cancellationReason } errors { code message field } }\n  }\n": typeof types.CancelOrderDocument,
    "\n  mutation DeactivateOrderingUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) { user { status } errors { code } }\n  }\n": typeof types.DeactivateOrderingUserDocument,
    "\n  query GetOrder($id: ID!) {\n    order(id: $id) { id status version user { id } items { sku } }\n  }\n": typeof types.GetOrderDocument,
    "\n  query CountOrders { orders { totalCount } }\n": typeof types.CountOrdersDocument,
    "\n  query UsersPage($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserSort) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id name email } }\n      nodes { id }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.UsersPageDocument,
    "\n  query OrdersPage($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderSort) {\n    orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id status total { cents } createdAt user { id } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": typeof types.OrdersPageDocument,
    "\n  query UserOrdersPage($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: UserOrdersFilter, $orderBy: OrderSort) {\n    user(id: $id) {\n      orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n        totalCount\n        nodes { id status total { cents } }\n        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      }\n    }\n  }\n": typeof types.UserOrdersPageDocument,
    "\n  mutation SeedUser($input: CreateUserInput!) { createUser(input: $input) { user { id name email createdAt } } }\n": typeof types.SeedUserDocument,
    "\n  mutation SeedOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { cents } status } } }\n": typeof types.SeedOrderDocument,
    "\n  mutation SeedConfirm($input: OrderTransitionInput!) { confirmOrder(input: $input) { order { id } } }\n": typeof types.SeedConfirmDocument,
    "\n  query NestedUsers($first: Int!, $withCount: Boolean!) {\n    users(first: $first) {\n      totalCount @include(if: $withCount)\n      edges {\n        cursor\n        node {\n          id\n          email\n          orders(first: 10) {\n            totalCount\n            edges { node { id status total { amount } items { sku quantity subtotal { cents } } user { id email } } }\n          }\n        }\n      }\n    }\n  }\n": typeof types.NestedUsersDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user { id email name status version createdAt updatedAt }\n      errors { code message field }\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user { id email name version updatedAt }\n      errors { code message field }\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user { id status version }\n      errors { code message field }\n    }\n  }\n": typeof types.DeactivateUserDocument,
    "\n  query GetUser($id: ID!) {\n    user(id: $id) { id email name status version }\n  }\n": typeof types.GetUserDocument,
    "\n  query UserByEmail($email: String!) {\n    userByEmail(email: $email) { id email }\n  }\n": typeof types.UserByEmailDocument,
};
const documents: Documents = {
    "\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on User { email }\n      ... on Order { status user { id } }\n    }\n  }\n": types.NodeByIdDocument,
    "\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) { __typename id }\n  }\n": types.NodesByIdsDocument,
    "\n  mutation NodeSetup($email: String!) {\n    createUser(input: { email: $email, name: \"Node\" }) { user { id } }\n  }\n": types.NodeSetupDocument,
    "\n  mutation NodeSetupOrder($userId: ID!) {\n    placeOrder(input: { userId: $userId, currency: \"GBP\", items: [{ sku: \"X\", name: \"X\", quantity: 1, unitPriceCents: 1 }] }) { order { id } }\n  }\n": types.NodeSetupOrderDocument,
    "\n  mutation CreateOrderingUser($input: CreateUserInput!) {\n    createUser(input: $input) { user { id } errors { code } }\n  }\n": types.CreateOrderingUserDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      order {\n        id status currency version\n        total { cents currency amount }\n        items { sku name quantity unitPrice { cents amount } subtotal { cents amount currency } }\n        user { id }\n      }\n      errors { code message field }\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  mutation ConfirmOrder($input: OrderTransitionInput!) {\n    confirmOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n": types.ConfirmOrderDocument,
    "\n  mutation ShipOrder($input: OrderTransitionInput!) {\n    shipOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n": types.ShipOrderDocument,
    "\n  mutation DeliverOrder($input: OrderTransitionInput!) {\n    deliverOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n": types.DeliverOrderDocument,
    "\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) { order { id status version cancellationReason } errors { code message field } }\n  }\n": types.CancelOrderDocument,
    "\n  mutation DeactivateOrderingUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) { user { status } errors { code } }\n  }\n": types.DeactivateOrderingUserDocument,
    "\n  query GetOrder($id: ID!) {\n    order(id: $id) { id status version user { id } items { sku } }\n  }\n": types.GetOrderDocument,
    "\n  query CountOrders { orders { totalCount } }\n": types.CountOrdersDocument,
    "\n  query UsersPage($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserSort) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id name email } }\n      nodes { id }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.UsersPageDocument,
    "\n  query OrdersPage($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderSort) {\n    orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id status total { cents } createdAt user { id } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n": types.OrdersPageDocument,
    "\n  query UserOrdersPage($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: UserOrdersFilter, $orderBy: OrderSort) {\n    user(id: $id) {\n      orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n        totalCount\n        nodes { id status total { cents } }\n        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      }\n    }\n  }\n": types.UserOrdersPageDocument,
    "\n  mutation SeedUser($input: CreateUserInput!) { createUser(input: $input) { user { id name email createdAt } } }\n": types.SeedUserDocument,
    "\n  mutation SeedOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { cents } status } } }\n": types.SeedOrderDocument,
    "\n  mutation SeedConfirm($input: OrderTransitionInput!) { confirmOrder(input: $input) { order { id } } }\n": types.SeedConfirmDocument,
    "\n  query NestedUsers($first: Int!, $withCount: Boolean!) {\n    users(first: $first) {\n      totalCount @include(if: $withCount)\n      edges {\n        cursor\n        node {\n          id\n          email\n          orders(first: 10) {\n            totalCount\n            edges { node { id status total { amount } items { sku quantity subtotal { cents } } user { id email } } }\n          }\n        }\n      }\n    }\n  }\n": types.NestedUsersDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user { id email name status version createdAt updatedAt }\n      errors { code message field }\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user { id email name version updatedAt }\n      errors { code message field }\n    }\n  }\n": types.UpdateUserDocument,
    "\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user { id status version }\n      errors { code message field }\n    }\n  }\n": types.DeactivateUserDocument,
    "\n  query GetUser($id: ID!) {\n    user(id: $id) { id email name status version }\n  }\n": types.GetUserDocument,
    "\n  query UserByEmail($email: String!) {\n    userByEmail(email: $email) { id email }\n  }\n": types.UserByEmailDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on User { email }\n      ... on Order { status user { id } }\n    }\n  }\n"): (typeof documents)["\n  query NodeById($id: ID!) {\n    node(id: $id) {\n      __typename\n      id\n      ... on User { email }\n      ... on Order { status user { id } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) { __typename id }\n  }\n"): (typeof documents)["\n  query NodesByIds($ids: [ID!]!) {\n    nodes(ids: $ids) { __typename id }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation NodeSetup($email: String!) {\n    createUser(input: { email: $email, name: \"Node\" }) { user { id } }\n  }\n"): (typeof documents)["\n  mutation NodeSetup($email: String!) {\n    createUser(input: { email: $email, name: \"Node\" }) { user { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation NodeSetupOrder($userId: ID!) {\n    placeOrder(input: { userId: $userId, currency: \"GBP\", items: [{ sku: \"X\", name: \"X\", quantity: 1, unitPriceCents: 1 }] }) { order { id } }\n  }\n"): (typeof documents)["\n  mutation NodeSetupOrder($userId: ID!) {\n    placeOrder(input: { userId: $userId, currency: \"GBP\", items: [{ sku: \"X\", name: \"X\", quantity: 1, unitPriceCents: 1 }] }) { order { id } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrderingUser($input: CreateUserInput!) {\n    createUser(input: $input) { user { id } errors { code } }\n  }\n"): (typeof documents)["\n  mutation CreateOrderingUser($input: CreateUserInput!) {\n    createUser(input: $input) { user { id } errors { code } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      order {\n        id status currency version\n        total { cents currency amount }\n        items { sku name quantity unitPrice { cents amount } subtotal { cents amount currency } }\n        user { id }\n      }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      order {\n        id status currency version\n        total { cents currency amount }\n        items { sku name quantity unitPrice { cents amount } subtotal { cents amount currency } }\n        user { id }\n      }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmOrder($input: OrderTransitionInput!) {\n    confirmOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ConfirmOrder($input: OrderTransitionInput!) {\n    confirmOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ShipOrder($input: OrderTransitionInput!) {\n    shipOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation ShipOrder($input: OrderTransitionInput!) {\n    shipOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeliverOrder($input: OrderTransitionInput!) {\n    deliverOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation DeliverOrder($input: OrderTransitionInput!) {\n    deliverOrder(input: $input) { order { id status version } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) { order { id status version cancellationReason } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) { order { id status version cancellationReason } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeactivateOrderingUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) { user { status } errors { code } }\n  }\n"): (typeof documents)["\n  mutation DeactivateOrderingUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) { user { status } errors { code } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetOrder($id: ID!) {\n    order(id: $id) { id status version user { id } items { sku } }\n  }\n"): (typeof documents)["\n  query GetOrder($id: ID!) {\n    order(id: $id) { id status version user { id } items { sku } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CountOrders { orders { totalCount } }\n"): (typeof documents)["\n  query CountOrders { orders { totalCount } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UsersPage($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserSort) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id name email } }\n      nodes { id }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): (typeof documents)["\n  query UsersPage($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserSort) {\n    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id name email } }\n      nodes { id }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrdersPage($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderSort) {\n    orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id status total { cents } createdAt user { id } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"): (typeof documents)["\n  query OrdersPage($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderSort) {\n    orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n      totalCount\n      edges { cursor node { id status total { cents } createdAt user { id } } }\n      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserOrdersPage($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: UserOrdersFilter, $orderBy: OrderSort) {\n    user(id: $id) {\n      orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n        totalCount\n        nodes { id status total { cents } }\n        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserOrdersPage($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: UserOrdersFilter, $orderBy: OrderSort) {\n    user(id: $id) {\n      orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {\n        totalCount\n        nodes { id status total { cents } }\n        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SeedUser($input: CreateUserInput!) { createUser(input: $input) { user { id name email createdAt } } }\n"): (typeof documents)["\n  mutation SeedUser($input: CreateUserInput!) { createUser(input: $input) { user { id name email createdAt } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SeedOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { cents } status } } }\n"): (typeof documents)["\n  mutation SeedOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id total { cents } status } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SeedConfirm($input: OrderTransitionInput!) { confirmOrder(input: $input) { order { id } } }\n"): (typeof documents)["\n  mutation SeedConfirm($input: OrderTransitionInput!) { confirmOrder(input: $input) { order { id } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NestedUsers($first: Int!, $withCount: Boolean!) {\n    users(first: $first) {\n      totalCount @include(if: $withCount)\n      edges {\n        cursor\n        node {\n          id\n          email\n          orders(first: 10) {\n            totalCount\n            edges { node { id status total { amount } items { sku quantity subtotal { cents } } user { id email } } }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query NestedUsers($first: Int!, $withCount: Boolean!) {\n    users(first: $first) {\n      totalCount @include(if: $withCount)\n      edges {\n        cursor\n        node {\n          id\n          email\n          orders(first: 10) {\n            totalCount\n            edges { node { id status total { amount } items { sku quantity subtotal { cents } } user { id email } } }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user { id email name status version createdAt updatedAt }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      user { id email name status version createdAt updatedAt }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user { id email name version updatedAt }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($input: UpdateUserInput!) {\n    updateUser(input: $input) {\n      user { id email name version updatedAt }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user { id status version }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation DeactivateUser($input: DeactivateUserInput!) {\n    deactivateUser(input: $input) {\n      user { id status version }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetUser($id: ID!) {\n    user(id: $id) { id email name status version }\n  }\n"): (typeof documents)["\n  query GetUser($id: ID!) {\n    user(id: $id) { id email name status version }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserByEmail($email: String!) {\n    userByEmail(email: $email) { id email }\n  }\n"): (typeof documents)["\n  query UserByEmail($email: String!) {\n    userByEmail(email: $email) { id email }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;