/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Object members sorted by their keys' UTF-16 code units, no whitespace,
 * numbers in ECMAScript `Number#toString` form, strings with JSON.stringify's
 * minimal escaping. Iterative, so nesting depth is bounded by memory, not by
 * the call stack. Throws `CanonicalJsonError` (naming the path) for anything
 * JSON cannot carry. `canonicalCopy` is the fast path op entries take: a
 * frozen copy in canonical key order, which `JSON.stringify` writes as RFC 8785.
 */
import { CanonicalJsonError } from './errors.js';

type Frame =
  | { kind: 'array'; value: readonly unknown[]; i: number }
  | { kind: 'object'; value: Record<string, unknown>; keys: string[]; i: number };

export function canonicalJson(value: unknown): string {
  return canonicalize(value, '$');
}

/** `rootPath` prefixes error paths, e.g. '$.domain_op'. */
export function canonicalize(value: unknown, rootPath: string): string {
  try {
    return writeShallow(value, 0);
  } catch (err) {
    if (err !== BAIL) throw err;
  }
  // Deep nesting or bad input: the stack-safe walk, which also names the bad path.
  return canonicalizeDeep(value, rootPath);
}

const BAIL = Symbol('bail');
const SHALLOW_DEPTH = 64;

/**
 * The common case, about 3x faster: recursion for values nested at most
 * SHALLOW_DEPTH deep. Anything unusual (too deep, which includes cycles, or not
 * JSON) bails out to `canonicalizeDeep` rather than being handled here.
 */
function writeShallow(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      if (!isWellFormed(v)) throw BAIL;
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw BAIL;
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= SHALLOW_DEPTH) throw BAIL;
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + writeShallow(v[i], depth + 1);
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(v).length > 0) throw BAIL;
      const obj = v as Record<string, unknown>;
      const keys = sortKeys(Object.keys(obj));
      let out = '{';
      for (const key of keys) {
        const member = obj[key];
        if (member === undefined) continue;
        if (!isWellFormed(key)) throw BAIL;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${writeShallow(member, depth + 1)}`;
      }
      return `${out}}`;
    }
    default:
      throw BAIL;
  }
}

function canonicalizeDeep(value: unknown, rootPath: string): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const ancestors = new Set<object>();
  const fail = (reason: string): never => {
    throw new CanonicalJsonError(pathOf(rootPath, stack), reason);
  };

  /** Writes a scalar, or opens a container by pushing a frame. */
  const emit = (v: unknown): void => {
    switch (typeof v) {
      case 'string':
        out.push(quoteString(v, fail));
        return;
      case 'number':
        if (!Number.isFinite(v)) fail(`${v} is not a JSON number`);
        out.push(String(v)); // String(-0) === '0', as JCS requires
        return;
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
      case 'object': {
        if (v === null) {
          out.push('null');
          return;
        }
        if (ancestors.has(v)) fail('cycle (the value contains itself)');
        if (Array.isArray(v)) {
          ancestors.add(v);
          out.push('[');
          stack.push({ kind: 'array', value: v, i: 0 });
          return;
        }
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          fail(`${describe(v)} is not a plain object (convert it to JSON data first)`);
        }
        if (Object.getOwnPropertySymbols(v).length > 0) fail('symbol-keyed property');
        const obj = v as Record<string, unknown>;
        // Members whose value is undefined are absent, as in JSON.stringify.
        const keys = sortKeys(Object.keys(obj).filter((k) => obj[k] !== undefined));
        ancestors.add(v);
        out.push('{');
        stack.push({ kind: 'object', value: obj, keys, i: 0 });
        return;
      }
      case 'bigint':
        return fail('BigInt is not a JSON number');
      case 'undefined':
        return fail('undefined is not a JSON value');
      default:
        return fail(`${typeof v} is not a JSON value`);
    }
  };

  emit(value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.kind === 'array') {
      if (top.i < top.value.length) {
        if (top.i > 0) out.push(',');
        top.i++;
        emit(top.value[top.i - 1]);
      } else {
        out.push(']');
        ancestors.delete(top.value);
        stack.pop();
      }
    } else if (top.i < top.keys.length) {
      const key = top.keys[top.i++]!;
      out.push(top.i > 1 ? ',' : '', quoteString(key, fail), ':');
      emit(top.value[key]);
    } else {
      out.push('}');
      ancestors.delete(top.value);
      stack.pop();
    }
  }
  return out.join('');
}

/**
 * Sort object keys in place by UTF-16 code units (RFC 8785's order, and the
 * default sort's). Insertion sort: objects have a few keys, and
 * `Array.prototype.sort` allocates about 1 KB of work space per call.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 32) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}

const COPY_DEPTH = 16;

/**
 * A deep-frozen copy of JSON data whose objects have their keys in canonical
 * (UTF-16 code unit) order, so that `JSON.stringify` of it is its RFC 8785
 * form; undefined members are dropped and -0 becomes 0, as in JSON. Returns
 * `undefined` for anything `JSON.stringify` would not write canonically or
 * `canonicalize` must refuse: a key that looks like an array index (objects
 * list those first), a lone surrogate, a non-finite number, a value that is
 * not JSON, nesting deeper than COPY_DEPTH.
 */
export function canonicalCopy(v: unknown, depth = 0): unknown {
  switch (typeof v) {
    case 'string':
      return isWellFormed(v) ? v : undefined;
    case 'number':
      return Number.isFinite(v) ? (v === 0 ? 0 : v) : undefined;
    case 'boolean':
      return v;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return null;
  if (depth >= COPY_DEPTH) return undefined;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const copy = canonicalCopy(v[i], depth + 1);
      if (copy === undefined) return undefined;
      out.push(copy);
    }
    return Object.freeze(out);
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(v).length > 0) return undefined;
  const keys = sortKeys(Object.keys(v));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || !isWellFormed(key)) return undefined;
    const member = (v as Record<string, unknown>)[key];
    if (member === undefined) continue;
    const copy = canonicalCopy(member, depth + 1);
    if (copy === undefined) return undefined;
    // A JSON key like any other: assignment would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return Object.freeze(out);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
/** True when `s` has no lone surrogate, so it encodes to UTF-8 losslessly. */
export const isWellFormed: (s: string) => boolean = nativeWellFormed
  ? (s) => nativeWellFormed.call(s)
  : (s) => !LONE_SURROGATE.test(s);

/** JSON string literal; JSON.stringify's escaping is exactly JCS's for well-formed strings. */
function quoteString(s: string, fail: (reason: string) => never): string {
  if (!isWellFormed(s)) fail('string contains a lone surrogate (not valid Unicode)');
  return JSON.stringify(s);
}

function describe(v: object): string {
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? name : 'object';
}

function pathOf(root: string, stack: readonly Frame[]): string {
  let path = root;
  for (const f of stack) {
    if (f.kind === 'array') path += `[${f.i - 1}]`;
    else {
      const key = f.keys[f.i - 1]!;
      path += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return path;
}
