import { sha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();
let scratch = new Uint8Array(4096);
const KEEP_LIMIT = 1 << 20;
// One hasher, reset from a pristine one for every hash: no buffers allocated per op on the append path.
const pristine = sha256.create();
const hasher = sha256.create();
const digest = new Uint8Array(32);

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. Pure JS, so every runtime computes the same ids. */
export function sha256Hex(text: string): string {
  let buffer = scratch;
  if (text.length * 3 > buffer.length) {
    buffer = new Uint8Array(text.length * 3);
    // Kept for later hashes only up to KEEP_LIMIT: one huge op must not pin its size in memory.
    if (buffer.length <= KEEP_LIMIT) scratch = buffer;
  }
  const { written } = encoder.encodeInto(text, buffer);
  pristine._cloneInto(hasher);
  hasher.update(buffer.subarray(0, written)).digestInto(digest);
  return hex(digest);
}

const HEX_DIGITS = '0123456789abcdef';
const HIGH = new Uint8Array(256);
const LOW = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  HIGH[b] = HEX_DIGITS.charCodeAt(b >> 4);
  LOW[b] = HEX_DIGITS.charCodeAt(b & 15);
}
const codes: number[] = new Array<number>(64).fill(0);

/**
 * Lowercase hex of a 32-byte digest as one flat string. (@noble/hashes'
 * `bytesToHex` concatenates two digits at a time: 32 strings per id, about
 * 1 KB of garbage, on the append path.)
 */
function hex(bytes: Uint8Array): string {
  for (let i = 0; i < 32; i++) {
    const b = bytes[i]!;
    codes[2 * i] = HIGH[b]!;
    codes[2 * i + 1] = LOW[b]!;
  }
  return String.fromCharCode.apply(null, codes);
}
