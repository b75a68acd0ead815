// The generated docs must match their sources: README tables vs action.yml, docs/rules.md vs the rule catalog.
// On failure, run `npm run docs` and commit the result.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import {
  githubSlug,
  renderInputsTable,
  renderReadme,
  renderRulesDoc,
  replaceBetweenMarkers,
} from '../../scripts/docs/render.js';
import { ALL_RULES, ruleAnchor, ruleHelpUrl } from '../../src/check/catalog.js';
import { REPO_ROOT } from '../helpers/paths.js';

const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');
const STALE = "stale: run 'npm run docs' and commit the result";

function between(text: string, name: string): string {
  return text.slice(text.indexOf(`<!-- ${name}:start -->`), text.indexOf(`<!-- ${name}:end -->`));
}

describe('README tables', () => {
  test('are what action.yml generates', async () => {
    const readme = await read('README.md');
    const regenerated = renderReadme(readme, await read('action.yml'));
    expect({ file: 'README.md', note: STALE, inputs: between(readme, 'inputs') }).toEqual({
      file: 'README.md',
      note: STALE,
      inputs: between(regenerated, 'inputs'),
    });
    expect(between(readme, 'outputs')).toBe(between(regenerated, 'outputs'));
    expect(readme).toBe(regenerated);
  });

  test('list every input and output of action.yml, in order', async () => {
    const readme = await read('README.md');
    const action = parse(await read('action.yml')) as { inputs: object; outputs: object };
    const names = (section: string) => [...between(readme, section).matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(names('inputs')).toEqual(Object.keys(action.inputs));
    expect(names('outputs')).toEqual(Object.keys(action.outputs));
  });

  test('cells stay one line with pipes escaped; markers are required', () => {
    const table = renderInputsTable(
      "inputs:\n  a:\n    description: |\n      x | y\n      z\n    default: 'p|q'\n    required: true\n",
    );
    expect(table.split('\n')[2]).toBe('| `a` | yes | `p\\|q` | x \\| y z |');
    expect(() => replaceBetweenMarkers('no markers here', 'inputs', '')).toThrow(
      "README.md must contain '<!-- inputs:start -->' followed by '<!-- inputs:end -->', once each",
    );
  });
});

describe('docs/rules.md', () => {
  test('is what the rule catalog generates', async () => {
    const doc = await read('docs/rules.md');
    expect(doc === renderRulesDoc(ALL_RULES) ? 'up to date' : `docs/rules.md is ${STALE}`).toBe('up to date');
  });

  test('has one heading per rule whose anchor is the one annotations and SARIF link to', async () => {
    const doc = await read('docs/rules.md');
    const anchors = [...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => githubSlug(m[1]!));
    for (const rule of ALL_RULES) {
      expect(anchors.filter((a) => a === ruleAnchor(rule.id))).toHaveLength(1);
      expect(ruleHelpUrl(rule.id).endsWith(`docs/rules.md#${githubSlug(rule.id)}`)).toBe(true);
      const section = doc.slice(doc.indexOf(`\n## ${rule.id}\n`) + 1).split(/\n## /)[0]!;
      for (const text of [
        rule.name,
        rule.severity,
        rule.summary,
        rule.rationale,
        rule.fix,
        `ignore=${rule.id}`,
        `${rule.id}: off`,
      ]) {
        expect(section).toContain(text);
      }
    }
  });

  test('GitHub heading slugs', () => {
    expect(githubSlug('DA-CMP-031')).toBe('da-cmp-031');
    expect(githubSlug('Ignoring a rule')).toBe('ignoring-a-rule');
    expect(githubSlug("Compose's `mode` (v2.1)")).toBe('composes-mode-v21');
  });
});

describe('npm run docs', () => {
  // The generator transpiles its TypeScript on the fly, so it must run on the Node of `npm` (20+) and on Node 24.
  const nodes = [
    ...new Set([process.execPath, spawnSync('node', ['-p', 'process.execPath'], { encoding: 'utf8' }).stdout?.trim()]),
  ];
  test.each(nodes.filter((n): n is string => Boolean(n)))('--check finds nothing stale (%s)', (node) => {
    const r = spawnSync(node, [path.join(REPO_ROOT, 'scripts/docs/run.mjs'), '--check'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Generated docs are up to date.');
    expect(r.status).toBe(0);
  });
});
