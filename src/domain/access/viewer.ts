/**
 * Who is calling, as the rules see it. Tokens are verified at the edge (src/infra/auth); the
 * domain only ever sees this.
 */
export type Viewer =
  | { readonly kind: "anonymous" }
  | { readonly kind: "customer"; readonly userId: string }
  /** An administrator; `userId` when the token names a user (it may have no user record). */
  | { readonly kind: "admin"; readonly userId: string | null };

export const ANONYMOUS: Viewer = { kind: "anonymous" };

/** Whether the viewer may see this user: admins any, customers only themselves. */
export const canSeeUser = (viewer: Viewer, userId: string): boolean =>
  viewer.kind === "admin" || (viewer.kind === "customer" && viewer.userId === userId);

/** Whether the viewer may see an order of this user. */
export const canSeeOrdersOf = canSeeUser;

/** Whether the viewer may receive an event: one about a user (or their order) they may see. */
export const canSeeEventOf = canSeeUser;

/**
 * An operation the viewer's role may never perform (a customer confirming an order, listing
 * all users). Not about a particular object: those are answered as if they did not exist.
 */
export class AccessDeniedError extends Error {
  override readonly name = "AccessDeniedError";
}

/** The viewer must be signed in for this. */
export class AuthenticationRequiredError extends Error {
  override readonly name = "AuthenticationRequiredError";
}

export function requireAdmin(viewer: Viewer, what: string): void {
  if (viewer.kind === "anonymous") throw new AuthenticationRequiredError(`Sign in to ${what}.`);
  if (viewer.kind !== "admin") throw new AccessDeniedError(`Only administrators may ${what}.`);
}

export function requireSignedIn(viewer: Viewer, what: string): void {
  if (viewer.kind === "anonymous") throw new AuthenticationRequiredError(`Sign in to ${what}.`);
}
