import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const encoder = new TextEncoder();
let scratch = new Uint8Array(4096);
// One hasher, reset from a pristine one for every hash: no buffers allocated per op on the append path.
const pristine = sha256.create();
const hasher = sha256.create();
const digest = new Uint8Array(32);

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. Pure JS, so every runtime computes the same ids. */
export function sha256Hex(text: string): string {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  pristine._cloneInto(hasher);
  hasher.update(scratch.subarray(0, written)).digestInto(digest);
  return bytesToHex(digest);
}
