#!/usr/bin/env node
// Refreshes the vendored Compose Specification schema from a local checkout (or bare clone) of compose-spec:
//   node scripts/refresh-compose-schema.mjs /path/to/compose-spec [commit]
// Copies schema/compose-spec.json at that commit (default HEAD) and records the commit in the README beside it.
// It reads a checkout you made; it opens no network connection itself.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [repo, rev = 'HEAD'] = process.argv.slice(2);
if (!repo) {
  console.error('usage: node scripts/refresh-compose-schema.mjs PATH-TO-COMPOSE-SPEC [commit]');
  process.exit(2);
}
const git = (...args) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
const commit = git('rev-parse', `${rev}^{commit}`).trim();
const date = git('show', '-s', '--format=%cs', commit).trim();
const schema = git('show', `${commit}:schema/compose-spec.json`);
JSON.parse(schema); // refuse anything that is not JSON
const dir = join(dirname(fileURLToPath(import.meta.url)), '../src/compose/schema');
writeFileSync(join(dir, 'compose-spec.json'), schema);
const readme = join(dir, 'README.md');
writeFileSync(
  readme,
  readFileSync(readme, 'utf8').replace(/- commit: `[0-9a-f]{40}` \([0-9-]+\)/, `- commit: \`${commit}\` (${date})`),
);
console.log(`compose-spec.json from ${commit} (${date}); review the diff and run npm run test:unit`);
