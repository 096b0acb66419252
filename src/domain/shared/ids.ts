import { uuidv7 } from "uuidv7";

/** New ids are UUIDv7: time-ordered, so inserts land at the right edge of the primary-key index. */
export type IdGenerator = () => string;

export const newId: IdGenerator = uuidv7;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);
