import { isUuid } from "../domain/shared/ids.ts";
import { badUserInput } from "./bad-user-input.ts";

/**
 * Global IDs are opaque to clients: base64url of "Type:uuid". Decoding checks the shape, so a
 * malformed ID is a clear BAD_USER_INPUT error instead of a lookup that can never match.
 */
export const encodeGlobalId = (typename: string, id: string | number | bigint): string =>
  Buffer.from(`${typename}:${String(id)}`, "utf8").toString("base64url");

/** The types `node`/`nodes` can refetch. */
const NODE_TYPES: ReadonlySet<string> = new Set(["User", "Order"]);

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9_-]+={0,2}$/.test(globalId) ? Buffer.from(globalId, "base64url").toString("utf8") : "";
  const separator = decoded.indexOf(":");
  const typename = decoded.slice(0, separator);
  const id = decoded.slice(separator + 1);
  if (separator <= 0 || !NODE_TYPES.has(typename) || !isUuid(id)) {
    throw badUserInput(`"${truncate(globalId)}" is not a valid ID; use an \`id\` value returned by this API.`);
  }
  return { typename, id: id.toLowerCase() };
}

/** Decodes an ID that must name an object of `typename`. */
export function decodeGlobalIdOf(typename: string, globalId: string, argument: string): string {
  const decoded = decodeGlobalId(globalId);
  if (decoded.typename !== typename) {
    throw badUserInput(`\`${argument}\` must be the ID of a ${typename}, but "${truncate(globalId)}" is the ID of a ${decoded.typename}.`, argument);
  }
  return decoded.id;
}

/**
 * The id in a federation entity representation (`{ __typename, id }` in `_entities`): the key is
 * the global ID, checked like an ID argument, so a gateway passing anything else gets the same
 * BAD_USER_INPUT as a client would.
 */
export const decodeEntityKey = (typename: string, reference: { readonly id?: unknown }): string =>
  decodeGlobalIdOf(typename, typeof reference.id === "string" ? reference.id : "", "representations");

/** Like `decodeGlobalIdOf`, for mutation inputs: `null` instead of throwing, so the payload can say why. */
export function tryDecodeGlobalIdOf(typename: string, globalId: string): string | null {
  try {
    return decodeGlobalIdOf(typename, globalId, "id");
  } catch {
    return null;
  }
}

const truncate = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
