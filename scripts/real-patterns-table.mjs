#!/usr/bin/env node
/**
 * Runs the CLI (dist/cli/index.js under Node 24) over every fixture in tests/fixtures/real-patterns and prints a
 * markdown table: fixture, what it models, errors, warnings, rule ids found, time. Each fixture is checked as a CI
 * checkout would be: copied to a temp dir, `dot-gitignore` renamed to `.gitignore` (a real one would hide the
 * fixture's own secret files from this repository), committed to a fresh git repo.
 * Usage: node scripts/real-patterns-table.mjs [--build]   (--build also builds the fixtures marked "build": true)
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE24, REPO_ROOT } from './local-runner.mjs';

export const FIXTURE_ROOT = path.join(REPO_ROOT, 'tests/fixtures/real-patterns');
const CLI = path.join(REPO_ROOT, 'dist/cli/index.js');

/** Every fixture directory (NN-name) with its parsed expected.json (synchronous: jest builds its tables from it). */
export function loadFixtures() {
  return readdirSync(FIXTURE_ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d\d-/.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({
      name,
      expected: JSON.parse(readFileSync(path.join(FIXTURE_ROOT, name, 'expected.json'), 'utf8')),
    }));
}

const matches = (f, want) =>
  f.rule === want.rule &&
  (want.file === undefined || f.file === want.file) &&
  (want.line === undefined || f.line === want.line) &&
  (want.severity === undefined || f.severity === want.severity) &&
  (want.message === undefined || f.message.includes(want.message));

/**
 * What differs between a run's findings and the fixture's expected.json, one line each (empty: as expected).
 * `built`: the image was built and proved, so image-only entries count and text findings an image proof supersedes
 * are gone.
 */
export function mismatches(expected, findings, built) {
  const problems = [];
  const applies = (e) => (e.image !== true || built) && (e.superseded !== true || !built);
  if (expected.clean) {
    for (const f of findings.filter((f) => f.severity === 'error'))
      problems.push(`clean fixture has an error: ${f.file}:${f.line} ${f.rule} ${f.message}`);
  }
  for (const want of (expected.present ?? []).filter(applies)) {
    if (!findings.some((f) => matches(f, want))) problems.push(`missing: ${JSON.stringify(want)}`);
  }
  for (const trap of (expected.absent ?? []).filter(applies)) {
    for (const f of findings.filter((f) => matches(f, trap)))
      problems.push(`trap reported: ${f.file}:${f.line} ${f.rule} ${f.message}`);
  }
  return problems;
}

/** A checkout-like copy of one fixture; the caller removes it. */
export async function checkoutOf(name) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'h-acc-pattern-'));
  await cp(path.join(FIXTURE_ROOT, name), dir, { recursive: true });
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (e.isFile() && e.name === 'dot-gitignore')
      await rename(path.join(e.parentPath, e.name), path.join(e.parentPath, '.gitignore'));
  }
  await rm(path.join(dir, 'expected.json'));
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'fixture');
  return dir;
}

/** Runs the CLI on a checkout: JSON report parsed, exit code, wall time in ms. */
export function runCli(dir, inputs = {}, { build = false } = {}) {
  const args = [CLI, 'check', '--dir', dir, '--format', 'json', '--fail-on', 'never', '--network', 'none'];
  if (!build) args.push('--no-build');
  for (const [k, v] of Object.entries(inputs)) args.push(`--${k}`, v);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let report;
      try {
        report = JSON.parse(stdout);
      } catch {
        report = undefined;
      }
      resolve({ code: code ?? 1, ms, report, stdout, stderr });
    });
  });
}

async function main() {
  const build = process.argv.includes('--build');
  const rows = [
    '| fixture | modelled on | errors | warnings | rule ids found | as expected | time ms |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { name, expected } of loadFixtures()) {
    const dir = await checkoutOf(name);
    try {
      const built = build && expected.build === true;
      const run = await runCli(dir, expected.inputs, { build: built });
      const findings = run.report?.findings ?? [];
      const off = mismatches(expected, findings, built);
      if (off.length) process.stderr.write(`${name}:\n  ${off.join('\n  ')}\n`);
      const count = (s) => findings.filter((f) => f.severity === s).length;
      const ids = [...new Set(findings.filter((f) => f.severity !== 'notice').map((f) => f.rule))].sort().join(', ');
      rows.push(
        `| ${name} | ${expected.modelledOn} | ${run.report ? count('error') : `exit ${run.code}`} | ${count('warning')} | ${ids || '-'} | ${off.length ? `no (${off.length})` : 'yes'} | ${Math.round(run.ms)} |`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
