/**
 * Prints rows as a right-aligned text table, each column as wide as its widest cell.
 * @example printTable(["metric", "ours"], [["round trip p50 (ms)", "0.480"]]);
 */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
