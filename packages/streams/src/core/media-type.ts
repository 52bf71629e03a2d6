/**
 * Media type of a Content-Type value: lower-cased, parameters dropped — what
 * content-type comparisons between a stream and a request use (§5.2).
 *
 * @example
 * mediaType("Text/Plain; charset=utf-8"); // "text/plain"
 */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
