#!/usr/bin/env node
/**
 * The one-way layering of src/, enforced: a module may import its own folder and the folders below it, never one
 * above. `npm run lint` runs this; tests/unit/layers.test.ts proves it fails on an upward import.
 *
 * Imports are read with TypeScript's own pre-processor (static, dynamic and type-only imports alike), so a
 * `import type` that runs upward is caught too: types shape the layering as much as calls do.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Top to bottom. Files directly in src/ (the entries) sit above every layer. */
export const LAYERS = [
  'action', // inputs and the entry's orchestration; talks to @actions/core
  'report', // annotations, job summary, SARIF, JSON report, PR comment
  'deploy', // the deploy plan, SSH, remote scripts, the two targets
  'check', // run-check, Dockerfile rules, image proofs, the rule catalog
  'compose', // load, merge, interpolate and the prod rules of Compose files
  'docker', // build-context facts shared by the Dockerfile and Compose checks
  'findings', // Finding, suppressions
  'rules', // rule metadata types, rule ids, rules raised as errors
  'process', // the one child-process wrapper
  'util', // pure helpers
];

/** Packages only some layers may import: the runner's API stays at the edge, child processes in one wrapper. */
export const RESTRICTED_PACKAGES = {
  '@actions/core': ['action', 'report'],
  // src/process/ gives every child the scrubbed env, the debug log and a timeout that kills: no spawn elsewhere.
  'node:child_process': ['process'],
  child_process: ['process'],
  '@actions/exec': ['process'],
};

function layerOf(file, srcDir) {
  const rel = relative(srcDir, file).split(sep);
  return rel.length === 1 ? '(entry)' : rel[0];
}

function rank(layer) {
  return layer === '(entry)' ? -1 : LAYERS.indexOf(layer);
}

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

/** Every import of `srcDir` that breaks the layering, as `file:line: message` strings (empty when clean). */
export function findLayerViolations(srcDir) {
  const root = resolve(srcDir);
  const problems = [];
  for (const file of sourceFiles(root)) {
    const from = layerOf(file, root);
    const text = readFileSync(file, 'utf8');
    const where = (pos) => `${relative(process.cwd(), file)}:${text.slice(0, pos).split('\n').length}`;
    if (from !== '(entry)' && rank(from) < 0) {
      problems.push(`${where(0)}: folder "${from}" is not in the layer list (scripts/layers.mjs)`);
      continue;
    }
    const info = ts.preProcessFile(text, true, true);
    for (const imp of info.importedFiles) {
      const spec = imp.fileName;
      if (spec.startsWith('.')) {
        const to = layerOf(resolve(dirname(file), spec), root);
        if (relative(root, resolve(dirname(file), spec)).startsWith('..')) continue;
        if (to === '(entry)' && from !== '(entry)')
          problems.push(`${where(imp.pos)}: "${from}" imports the entry "${spec}"`);
        else if (rank(to) < rank(from))
          problems.push(`${where(imp.pos)}: "${from}" imports "${spec}" from "${to}", a layer above it`);
        continue;
      }
      for (const [pkg, allowed] of Object.entries(RESTRICTED_PACKAGES))
        if ((spec === pkg || spec.startsWith(`${pkg}/`)) && !allowed.includes(from))
          problems.push(`${where(imp.pos)}: "${from}" imports ${pkg}; only ${allowed.join(', ')} may`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? 'src';
  const problems = findLayerViolations(dir);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`${problems.length} layering problem(s); the order is ${LAYERS.join(' → ')}`);
    process.exit(1);
  }
  console.log(`layers: ${dir} imports only downward (${LAYERS.join(' → ')})`);
}
