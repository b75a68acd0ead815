#!/usr/bin/env node
/**
 * Recordings of what the real Docker Compose prints for each merge fixture (tests/fixtures/compose-merge/NN-name),
 * so the unit tests can hold our merge to Compose's without an engine and the e2e test can tell when a recording
 * is stale.
 *
 *   node scripts/compose-recordings.mjs           rewrite every recording from `docker compose config`
 *   node scripts/compose-recordings.mjs --check   exit 1 when a recording differs from what Compose prints now
 *
 * A recording is `docker compose -f 1-… -f 2-… config --format json --no-normalize` with the fixture's directory
 * written as CASE_DIR (see portable), so that it holds wherever the repository is checked out.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, promisify } from 'node:util';

const run = promisify(execFile);

export const MERGE_CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../tests/fixtures/compose-merge');
export const RECORDING_FILE = 'compose-config.json';
export const CASE_DIR = '<case-dir>';

/** The fixtures: `NN-name/` directories with compose files `N-*.yml` (in `-f` order) and optional `vars.json`. */
export function mergeCases(corpus = MERGE_CORPUS) {
  return readdirSync(corpus)
    .filter((d) => /^\d\d-/.test(d))
    .sort()
    .map((name) => {
      const dir = join(corpus, name);
      const files = readdirSync(dir)
        .filter((f) => /^\d-.*\.yml$/.test(f))
        .sort()
        .map((f) => join(dir, f));
      const varsFile = join(dir, 'vars.json');
      const vars = existsSync(varsFile) ? JSON.parse(readFileSync(varsFile, 'utf8')) : {};
      return { name, dir, files, vars };
    });
}

/** A minimal, controlled environment: what docker needs plus the case's variables. */
export function caseEnv(vars) {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONFIG']) if (process.env[k]) env[k] = process.env[k];
  return { ...env, ...vars };
}

/** What the real Compose prints for the case. */
export async function liveComposeConfig(c) {
  const args = ['compose', ...c.files.flatMap((f) => ['-f', f]), 'config', '--format', 'json', '--no-normalize'];
  const { stdout } = await run('docker', args, { cwd: c.dir, env: caseEnv(c.vars), maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** The config with the case's directory written as CASE_DIR, and its parent as CASE_DIR/.. (in every string). */
export function portable(json, dir) {
  if (typeof json === 'string')
    return json
      .split(dir)
      .join(CASE_DIR)
      .split(`${dirname(dir)}/`)
      .join(`${CASE_DIR}/../`);
  if (Array.isArray(json)) return json.map((j) => portable(j, dir));
  if (json && typeof json === 'object')
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, portable(v, dir)]));
  return json;
}

export function readRecording(c) {
  const file = join(c.dir, RECORDING_FILE);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const c of mergeCases()) {
    const live = portable(await liveComposeConfig(c), c.dir);
    if (check) {
      if (!isDeepStrictEqual(live, readRecording(c))) {
        console.error(`${c.name}: recording is stale; run node scripts/compose-recordings.mjs`);
        stale++;
      }
    } else {
      writeFileSync(join(c.dir, RECORDING_FILE), `${JSON.stringify(live, null, 2)}\n`);
      console.log(`${c.name}: recorded`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
