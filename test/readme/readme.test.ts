/**
 * The README's TypeScript blocks compile as pasted: each ```ts block is its own module,
 * importing the package by name ('muse-oplog', 'muse-oplog/node', … mapped to src/),
 * type-checked with the project's compiler options.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'muse-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Block {
  line: number;
  code: string;
}

/** Every ```ts block with the README line its code starts on. */
function tsBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const m of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length + 1, code: m[1]! });
  }
  return blocks;
}

/** 'muse-oplog' → src/index.ts, 'muse-oplog/node' → src/node.ts, …: one per package.json export with types. */
function packagePaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string | { types?: string }> };
  const paths: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(pkg.exports)) {
    if (typeof value !== 'object' || !value.types) continue;
    const name = value.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '');
    paths[pkg.name + key.slice(1)] = [join(root, 'src', `${name}.ts`)];
  }
  return paths;
}

let previous: ts.Program | undefined;

/** Type errors in the blocks, each as `README.md:LINE: message`. */
function typeErrors(blocks: Block[], name = 'block'): string[] {
  const files = blocks.map((b, i) => {
    const file = join(work, `${name}-${i}.ts`);
    // `export {}` makes every block a module (top-level await, no globals shared between blocks).
    writeFileSync(file, `${b.code}\nexport {};\n`);
    return file;
  });
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, baseUrl: undefined, paths: packagePaths(), noUnusedLocals: false };
  // src/vite-env.d.ts types the worker import as the library's own build does.
  const program = ts.createProgram([...files, join(root, 'src/vite-env.d.ts')], options, undefined, previous);
  previous = program;
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const i = d.file ? files.indexOf(resolve(d.file.fileName)) : -1;
    if (i < 0 || d.start === undefined) return `${d.file?.fileName ?? 'program'}: ${message}`;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    return `README.md:${blocks[i]!.line + line}: ${message}`;
  });
}

describe('README.md', () => {
  const blocks = tsBlocks(readme);

  it('has TypeScript blocks for the API tour and the tabs', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks.some((b) => b.code.includes("from 'muse-oplog/node'"))).toBe(true);
  });

  it('every ```ts block compiles as pasted', () => {
    expect(typeErrors(blocks)).toEqual([]);
  }, 60_000);

  it('the check catches a block that does not compile, naming its README line', () => {
    const bad = tsBlocks("# x\n\n```ts\nimport { OpLog } from 'muse-oplog';\nawait OpLog.open(adapter, 's');\n```\n");
    expect(typeErrors(bad, 'bad')).toEqual(["README.md:5: Cannot find name 'adapter'."]);
  }, 60_000);
});
