import { crc32 } from "node:zlib";
import type { WithdrawnRange } from "../core/log-backend.ts";
import type { LogState, ProducerState } from "../core/log-state.ts";
import type { ProducerTuple } from "../core/stream-store.ts";
import type { SegmentInfo } from "./sparse-index.ts";

const MAGIC = 0x32495344; // "DSI2" little-endian

/** What a sealed segment's index holds: its sparse checkpoints and the stream state after it. */
export interface SealedIndex {
  info: SegmentInfo;
  state: LogState;
  /** Withdrawal gaps up to the end of this segment. */
  withdrawn: WithdrawnRange[];
}

/**
 * The index of a sealed segment, written once when the file store rolls to a
 * new segment: the segment's extent, its sparse checkpoints (`sparse-index.ts`)
 * and the stream state after it. Recovery loads it instead of scanning the
 * sealed segment; a missing or damaged index (or one of the older per-record
 * `DSI1` format) only means that segment is scanned.
 *
 * ```
 * u32 magic "DSI2" · u32 checkpoint count · u32 JSON length · JSON {start, end, size, state, withdrawn}
 * checkpoints × (f64 position · f64 file offset) · u32 CRC-32 of everything before
 * ```
 *
 * @example
 * await writeFile(path, encodeSegmentIndex({ info, state, withdrawn }));
 * const index = decodeSegmentIndex(await readFile(path), 1); // null if damaged
 */
export function encodeSegmentIndex(index: SealedIndex): Buffer {
  const { info, state } = index;
  const json = Buffer.from(
    JSON.stringify({
      start: info.start,
      end: info.end,
      size: info.size,
      closed: state.closed,
      closedBy: state.closedBy,
      producers: [...state.producers],
      lastStreamSeq: state.lastStreamSeq,
      withdrawn: index.withdrawn,
    }),
  );
  const count = info.positions.length;
  const out = Buffer.allocUnsafe(12 + json.length + count * 16 + 4);
  let at = out.writeUInt32LE(MAGIC, 0);
  at = out.writeUInt32LE(count, at);
  at = out.writeUInt32LE(json.length, at);
  at += json.copy(out, at);
  for (let i = 0; i < count; i++) {
    at = out.writeDoubleLE(info.positions[i] as number, at);
    at = out.writeDoubleLE(info.offsets[i] as number, at);
  }
  out.writeUInt32LE(crc32(out.subarray(0, at)), at);
  return out;
}

export function decodeSegmentIndex(buffer: Buffer, segment: number): SealedIndex | null {
  if (buffer.length < 16 || buffer.readUInt32LE(0) !== MAGIC) return null;
  const crcAt = buffer.length - 4;
  if (crc32(buffer.subarray(0, crcAt)) !== buffer.readUInt32LE(crcAt)) return null;
  const count = buffer.readUInt32LE(4);
  const jsonLength = buffer.readUInt32LE(8);
  if (12 + jsonLength + count * 16 !== crcAt) return null;
  const parsed = JSON.parse(buffer.toString("utf8", 12, 12 + jsonLength)) as {
    start: number;
    end: number;
    size: number;
    closed: boolean;
    closedBy?: ProducerTuple;
    producers: [string, ProducerState][];
    lastStreamSeq?: string;
    withdrawn: WithdrawnRange[];
  };
  const positions: number[] = new Array(count);
  const offsets: number[] = new Array(count);
  let at = 12 + jsonLength;
  for (let i = 0; i < count; i++) {
    positions[i] = buffer.readDoubleLE(at);
    offsets[i] = buffer.readDoubleLE(at + 8);
    at += 16;
  }
  return {
    info: { segment, start: parsed.start, end: parsed.end, size: parsed.size, positions, offsets },
    state: {
      closed: parsed.closed,
      closedBy: parsed.closedBy ?? undefined,
      producers: new Map(parsed.producers),
      lastStreamSeq: parsed.lastStreamSeq ?? undefined,
    },
    withdrawn: parsed.withdrawn,
  };
}
