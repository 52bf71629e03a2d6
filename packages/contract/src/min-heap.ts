/**
 * A binary min-heap of values keyed by a numeric priority (internal to the contract; the
 * replay cache orders its entries by expiry with it). O(log n) push and pop, O(1) peek.
 */
export interface MinHeap<T> {
  readonly size: number;
  /** The smallest priority held, or Infinity when empty. */
  peekPriority(): number;
  push(priority: number, value: T): void;
  /** Removes and returns the value of smallest priority; undefined when empty. */
  pop(): T | undefined;
}

/**
 * Creates an empty heap. Priorities and values live in two parallel arrays (no node objects).
 * @example
 * const heap = createMinHeap<string>();
 * heap.push(20, "b"); heap.push(10, "a");
 * heap.pop(); // "a"
 */
export function createMinHeap<T>(): MinHeap<T> {
  const priorities: number[] = [];
  const values: T[] = [];

  function swap(i: number, j: number): void {
    const p = priorities[i] as number;
    priorities[i] = priorities[j] as number;
    priorities[j] = p;
    const v = values[i] as T;
    values[i] = values[j] as T;
    values[j] = v;
  }

  return {
    get size() {
      return priorities.length;
    },
    peekPriority() {
      return priorities.length > 0 ? (priorities[0] as number) : Number.POSITIVE_INFINITY;
    },
    push(priority, value) {
      priorities.push(priority);
      values.push(value);
      let i = priorities.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((priorities[parent] as number) <= priority) break;
        swap(i, parent);
        i = parent;
      }
    },
    pop() {
      const n = priorities.length;
      if (n === 0) return undefined;
      const top = values[0] as T;
      const lastPriority = priorities.pop() as number;
      const lastValue = values.pop() as T;
      if (n === 1) return top;
      priorities[0] = lastPriority;
      values[0] = lastValue;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n - 1) break;
        const right = left + 1;
        const child =
          right < n - 1 && (priorities[right] as number) < (priorities[left] as number)
            ? right
            : left;
        if ((priorities[child] as number) >= (priorities[i] as number)) break;
        swap(i, child);
        i = child;
      }
      return top;
    },
  };
}
