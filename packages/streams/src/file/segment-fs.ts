import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  writeSync,
} from "node:fs";
import { promisify } from "node:util";

/**
 * The file operations the segment writer performs — the part of `node:fs` a
 * test swaps for one that fails on demand (EMFILE, ENOSPC, EIO), to prove a
 * failed write is neither acknowledged nor left visible and that the stream
 * takes writes again afterwards.
 *
 * @example
 * const fs = { ...nodeSegmentFs, datasync: async () => { throw Object.assign(new Error("no space"), { code: "ENOSPC" }) } };
 */
export interface SegmentFs {
  /** Opens (creating) a segment for reading and writing; returns its descriptor. */
  open(path: string): number;
  /** Writes at `position`; returns the bytes written (may be fewer). */
  write(fd: number, data: Buffer, offset: number, length: number, position: number): number;
  /** fdatasync. */
  datasync(fd: number): Promise<void>;
  truncate(fd: number, length: number): void;
  size(fd: number): number;
  close(fd: number): void;
}

const fdatasyncAsync = promisify(fdatasync);

/** The real thing. */
export const nodeSegmentFs: SegmentFs = {
  open: (path) => openSync(path, constants.O_RDWR | constants.O_CREAT),
  write: (fd, data, offset, length, position) => writeSync(fd, data, offset, length, position),
  datasync: (fd) => fdatasyncAsync(fd),
  truncate: (fd, length) => ftruncateSync(fd, length),
  size: (fd) => fstatSync(fd).size,
  close: (fd) => closeSync(fd),
};
