/** Whether a string contains `needle`, compared case-insensitively and literally (no wildcards). */
export const containsIgnoringCase = (haystack: string, needle: string): boolean =>
  haystack.toLowerCase().includes(needle.toLowerCase());
