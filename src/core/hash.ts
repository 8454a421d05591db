import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();
let scratch = new Uint8Array(4096);

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. Pure JS, so every runtime computes the same ids. */
export function sha256Hex(text: string): string {
  // encodeInto a reused buffer: no allocation per hash on the append path.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return bytesToHex(sha256(scratch.subarray(0, written)));
}
