/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * Object members sorted by their keys' UTF-16 code units, no whitespace,
 * numbers in ECMAScript `Number#toString` form, strings with JSON.stringify's
 * minimal escaping. Iterative, so nesting depth is bounded by memory, not by
 * the call stack. Throws `CanonicalJsonError` (naming the path) for anything
 * JSON cannot carry.
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
        const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
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

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
/** True when `s` has no lone surrogate, so it encodes to UTF-8 losslessly. */
export const isWellFormed: (s: string) => boolean = nativeWellFormed
  ? (s) => nativeWellFormed.call(s)
  : (s) => !LONE_SURROGATE.test(s);

/** JSON string literal; JSON.stringify's escaping is exactly JCS's for well-formed strings. */
export function quoteString(s: string, fail: (reason: string) => never): string {
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
