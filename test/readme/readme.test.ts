/**
 * The README's TypeScript blocks compile as pasted: each ```ts block is its own module,
 * importing the package by name ('muse-oplog', 'muse-oplog/node', … mapped to src/),
 * type-checked with the project's compiler options.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../src/cli/main.js';

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

/**
 * Type errors in each group of blocks, each as `README.md:LINE: message`. One program checks
 * every group (a type-check of src/ costs seconds); each block is its own module.
 */
function typeErrors(groups: Record<string, Block[]>): Record<string, string[]> {
  const files = new Map<string, { group: string; block: Block }>();
  for (const [group, blocks] of Object.entries(groups)) {
    blocks.forEach((block, i) => {
      const file = join(work, `${group}-${i}.ts`);
      // `export {}` makes every block a module (top-level await, no globals shared between blocks).
      writeFileSync(file, `${block.code}\nexport {};\n`);
      files.set(file, { group, block });
    });
  }
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, paths: packagePaths() };
  // src/vite-env.d.ts types the worker import as the library's own build does.
  const program = ts.createProgram([...files.keys(), join(root, 'src/vite-env.d.ts')], options);
  const errors: Record<string, string[]> = Object.fromEntries(Object.keys(groups).map((g) => [g, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const at = d.file && files.get(resolve(d.file.fileName));
    if (!at || d.start === undefined) {
      for (const list of Object.values(errors)) list.push(`${d.file?.fileName ?? 'program'}: ${message}`);
      continue;
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    errors[at.group]!.push(`README.md:${at.block.line + line}: ${message}`);
  }
  return errors;
}

describe('README.md', () => {
  const blocks = tsBlocks(readme);
  // A block that must fail, to show the check reports errors with their README lines.
  const bad = tsBlocks("# x\n\n```ts\nimport { OpLog } from 'muse-oplog';\nawait OpLog.open(adapter, 's');\n```\n");
  let errors: Record<string, string[]>;
  beforeAll(() => {
    errors = typeErrors({ readme: blocks, bad });
  }, 180_000);

  it('has TypeScript blocks for the API tour and the tabs', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks.some((b) => b.code.includes("from 'muse-oplog/node'"))).toBe(true);
  });

  it('every ```ts block compiles as pasted', () => {
    expect(errors.readme).toEqual([]);
  });

  it('the check catches a block that does not compile, naming its README line', () => {
    expect(errors.bad).toEqual(["README.md:5: Cannot find name 'adapter'."]);
  });

  it('names only real CLI commands', () => {
    const commands = [...readme.matchAll(/^npx muse-oplog (\S+)/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const c of commands) expect(USAGE, c).toMatch(new RegExp(`^  muse-oplog ${c}\\b`, 'm'));
  });
});
