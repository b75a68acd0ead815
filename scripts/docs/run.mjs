#!/usr/bin/env node
// `npm run docs`: regenerates README.md's inputs/outputs tables and docs/rules.md. `--check` writes nothing and exits 1
// when a file is stale.
//
// The generator and the rules are TypeScript and Node 20 cannot run TypeScript, so this transpiles the import graph
// of scripts/docs/generate.ts (type-only imports vanish; no type check, which `npx tsc` does) into a scratch directory
// inside the repository, where bare imports such as `yaml` still resolve from node_modules, and imports it from there.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(ROOT, 'scripts/docs/generate.ts');

/** Transpiles `entry` and every relative import it reaches into `outDir`, mirroring the repository layout. */
async function transpileGraph(entry, outDir) {
  const seen = new Set();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    const out = path.join(outDir, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, outputText);
    // Relative imports left after transpiling (type-only ones are gone) name `.js` files that are `.ts` sources.
    for (const m of outputText.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      queue.push(path.resolve(path.dirname(file), `${m[1]}.ts`));
    }
  }
}

async function main() {
  const check = process.argv.includes('--check');
  const scratchRoot = path.join(ROOT, '.tmp');
  await mkdir(scratchRoot, { recursive: true });
  const scratch = await mkdtemp(path.join(scratchRoot, 'docs-'));
  try {
    // The scratch directory is ESM whatever package.json says.
    await writeFile(path.join(scratch, 'package.json'), '{ "type": "module" }\n');
    await transpileGraph(ENTRY, scratch);
    const { writeDocs } = await import(pathToFileURL(path.join(scratch, 'scripts/docs/generate.js')).href);
    const stale = await writeDocs(ROOT, check);
    if (check && stale.length) {
      console.error(`Stale generated docs: ${stale.join(', ')}. Run 'npm run docs' and commit the result.`);
      process.exitCode = 1;
    } else {
      console.log(stale.length ? `Updated ${stale.join(', ')}.` : 'Generated docs are up to date.');
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
