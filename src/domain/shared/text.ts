/**
 * A string with a lone UTF-16 surrogate is not text: PostgreSQL would store U+FFFD instead, so
 * the stored value would never equal what was sent (and every identical update would look like a
 * change). Inputs that are stored are checked with `isWellFormed()` and refused with this message.
 */
export const ILL_FORMED_TEXT = "Must be valid Unicode text (it contains a lone UTF-16 surrogate).";
