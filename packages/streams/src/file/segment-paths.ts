import { join } from "node:path";

/** Segment files are `00000001.seg`, `00000002.seg`, … in a stream's directory. */
export const SEGMENT_FILE = /^(\d{8})\.seg$/;

/** @example segmentPath(dir, 1); // "<dir>/00000001.seg" */
export const segmentPath = (dir: string, segment: number): string =>
  join(dir, `${String(segment).padStart(8, "0")}.seg`);

/** The index of a sealed segment, beside it. */
export const indexPath = (dir: string, segment: number): string =>
  join(dir, `${String(segment).padStart(8, "0")}.idx`);
