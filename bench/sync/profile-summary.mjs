// Summarise a .cpuprofile: self time by function and by file, top N.
import { readFileSync } from 'node:fs';
const [file, nArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = p.timeDeltas; let total = 0;
for (let i = 0; i < p.samples.length; i++) { const id = p.samples[i]; self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)); total += dt[i] ?? 0; }
const fn = new Map(), files = new Map();
for (const [id, t] of self) {
  const n = byId.get(id); const cf = n.callFrame;
  const f = (cf.url || '(native)').replace(/^.*\/(node_modules\/)?/, (m) => m.includes('node_modules') ? 'nm/' : '');
  const k = `${cf.functionName || '(anon)'} ${f}:${cf.lineNumber + 1}`;
  fn.set(k, (fn.get(k) ?? 0) + t); files.set(f, (files.get(f) ?? 0) + t);
}
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(nArg ?? 25)).map(([k, t]) => `${(t / 1000).toFixed(0).padStart(7)} ms ${(100 * t / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`total ${(total / 1000).toFixed(0)} ms\n-- by function --\n${top(fn)}\n-- by file --\n${top(files)}`);
