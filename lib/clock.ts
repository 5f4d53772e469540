/** Injected everywhere time matters, so state machines are tested without sleeps. */
export type Clock = { now(): number };
export const systemClock: Clock = { now: () => Date.now() };
