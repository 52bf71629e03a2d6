/**
 * The bytes of request bodies being held at once, across requests: a body is counted from its
 * first byte (or, when `Content-Length` announces it, before its first byte) until its request
 * is answered. Only requests whose token already verified get this far, but two copies of one
 * captured token both pass the header check, so the total needs its own bound.
 */
export interface BodyBudget {
  /** Takes `bytes` from the budget; false (and nothing taken) when that would exceed it. */
  reserve(bytes: number): boolean;
  release(bytes: number): void;
  /** Bytes currently reserved. */
  readonly used: number;
  readonly max: number;
}

/** @example const budget = createBodyBudget(64 * 1024 * 1024); */
export function createBodyBudget(max: number): BodyBudget {
  let used = 0;
  return {
    reserve(bytes) {
      if (used + bytes > max) return false;
      used += bytes;
      return true;
    },
    release(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
    max,
  };
}
