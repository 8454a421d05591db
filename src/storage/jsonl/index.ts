/** The JSON-lines log format (`ops.jsonl` + `ops.idx`), runtime-neutral: shared by the Node fs adapter and the OPFS worker. */
export { NEWLINE, assertOneLine, countLines, lastLineEnd } from './lines.js';
export { LineSplitter, concat } from './line-splitter.js';
export { classifyTail, type TailVerdict } from './torn-tail.js';
export { encodeRecords } from './record-encoder.js';
export { readAt, writeAll, ShortWrite, type RandomAccessFile } from './file.js';
export { JsonlLog, type Recovery, type TailRepair } from './log-file.js';
export {
  DEFAULT_STRIDE,
  FINGERPRINT_MAX,
  INDEX_ENTRY_BYTES,
  INDEX_HEADER_BYTES,
  INDEX_MAGIC,
  decodeIndexEntry,
  decodeIndexHeader,
  encodeIndexEntries,
  encodeIndexHeader,
  fingerprintMatches,
  indexEntryCount,
  indexEntryOffset,
  type IndexHeader,
} from './sparse-index.js';
