/** Runtime-neutral helpers for JSON-lines storage (no I/O): shared by the Node fs and OPFS adapters. */
export { NEWLINE, assertOneLine, countLines, lastLineEnd } from './lines.js';
export { LineSplitter, concat } from './line-splitter.js';
export { classifyTail, type TailVerdict } from './torn-tail.js';
export { encodeRecords } from './record-encoder.js';
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
