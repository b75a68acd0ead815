// The generated docs: README.md's inputs/outputs tables (from action.yml) and docs/rules.md (from the rule catalog).
// Run through `npm run docs` (scripts/docs/run.mjs); tests/unit/docs-*.test.ts fail when the files drift.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALL_RULES } from '../../src/check/catalog.js';
import { renderReadme, renderRulesDoc } from './render.js';

export interface GeneratedFile {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

export async function generateDocs(root: string): Promise<GeneratedFile[]> {
  const [readme, actionYml] = await Promise.all([
    readFile(path.join(root, 'README.md'), 'utf8'),
    readFile(path.join(root, 'action.yml'), 'utf8'),
  ]);
  return [
    { path: 'README.md', content: renderReadme(readme, actionYml) },
    { path: 'docs/rules.md', content: renderRulesDoc(ALL_RULES) },
  ];
}

/** Writes the generated files; with `check`, writes nothing and returns the paths that differ. */
export async function writeDocs(root: string, check: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const file of await generateDocs(root)) {
    const target = path.join(root, file.path);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === file.content) continue;
    stale.push(file.path);
    if (!check) await writeFile(target, file.content);
  }
  return stale;
}
