/**
 * A build plugin: type declarations for the package's public entry points only.
 * It compiles tsconfig.build.json's program in memory, then writes the `types`
 * file of every package.json `exports` entry and the declarations those reach
 * through their imports, and nothing else: internal modules (the CLI, files
 * only implementations import) ship no declarations.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'vite';

export function publicDeclarations(options: { root: string; tsconfig: string }): Plugin {
  return {
    name: 'muse-oplog:public-declarations',
    apply: 'build',
    async closeBundle() {
      const { default: ts } = await import('typescript');
      const config = ts.getParsedCommandLineOfConfigFile(resolve(options.root, options.tsconfig), {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      })!;
      const program = ts.createProgram(config.fileNames, config.options);
      const emitted = new Map<string, string>();
      const result = program.emit(undefined, (file, text) => emitted.set(resolve(file), text), undefined, true);
      const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length) {
        const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => options.root, getNewLine: () => '\n' };
        throw new Error(`declarations failed:\n${ts.formatDiagnostics(errors, host)}`);
      }
      const pkg = JSON.parse(readFileSync(resolve(options.root, 'package.json'), 'utf8')) as { exports: Record<string, string | { types?: string }> };
      const todo = Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e.types ? [resolve(options.root, e.types)] : []));
      const written = new Set<string>();
      while (todo.length) {
        const file = todo.pop()!;
        if (written.has(file)) continue;
        const text = emitted.get(file);
        if (text === undefined) throw new Error(`package.json exports ${file}, which the declaration build did not produce`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
        written.add(file);
        for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
          if (fileName.startsWith('.')) todo.push(resolve(dirname(file), fileName.replace(/\.js$/, '.d.ts')));
        }
      }
    },
  };
}
