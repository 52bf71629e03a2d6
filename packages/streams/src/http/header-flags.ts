/**
 * Header flag parsing (`Stream-Closed`): only `true`, in any case, is true.
 *
 * @example
 * isTrue("TRUE"); // true
 * isTrue("1"); // false
 */
export function isTrue(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && value.toLowerCase() === "true";
}
