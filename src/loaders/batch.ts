import DataLoader from "dataloader";

/**
 * A DataLoader for keys that carry arguments (a parent id plus a filter or page request):
 * keys with equal `group` are batched into one call of `loadGroup`, so each distinct argument
 * set costs one round trip however many parents share it.
 */
export function createGroupedLoader<Key extends { readonly id: string; readonly group: string }, Value>(
  loadGroup: (ids: string[], sample: Key) => Promise<Value[]>,
): DataLoader<Key, Value, string> {
  return new DataLoader<Key, Value, string>(
    async (keys) => {
      const groups = new Map<string, { sample: Key; ids: string[]; positions: number[] }>();
      keys.forEach((key, position) => {
        const group = groups.get(key.group) ?? { sample: key, ids: [], positions: [] };
        group.ids.push(key.id);
        group.positions.push(position);
        groups.set(key.group, group);
      });
      const results = new Array<Value>(keys.length);
      await Promise.all(
        [...groups.values()].map(async ({ sample, ids, positions }) => {
          const values = await loadGroup(ids, sample);
          positions.forEach((position, index) => (results[position] = values[index] as Value));
        }),
      );
      return results;
    },
    { cacheKeyFn: (key) => `${key.group}\u0000${key.id}` },
  );
}

/** A DataLoader by id over a port method that answers one entry per id, in order. */
export const createByIdLoader = <Value>(load: (ids: readonly string[]) => Promise<Value[]>) =>
  new DataLoader<string, Value>((ids) => load(ids));
