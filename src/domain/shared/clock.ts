/** Where "now" and new ids come from; tests pass a fixed or stepping clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  // Millisecond precision on purpose: it is what clients see and what cursors carry.
  now: () => new Date(),
};
