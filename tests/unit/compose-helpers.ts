import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkCompose, type CheckComposeResult } from '../../src/compose/check.js';
import type { Finding, RuleId } from '../../src/findings/finding.js';

/** A throwaway project tree (a git repository unless told otherwise); removed by `cleanup`. */
export function makeProject(files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'da-compose-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  if (opts.git !== false) execFileSync('git', ['init', '-q', dir]);
  return dir;
}

export function gitAdd(dir: string, ...paths: string[]): void {
  execFileSync('git', ['-C', dir, 'add', '-f', '--', ...paths]);
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const BASE = `# base
services:
  app:
    image: org/app:\${APP_VERSION:-dev}
    build:
      context: ..
      dockerfile: deploy/Dockerfile
`;

export const PROD = `# prod
services:
  app:
    env_file: ../.env.prod
    environment:
      DB_PASSWORD_FILE: /run/secrets/db_password
    secrets:
      - source: db_password
        target: db_password
        mode: 0400
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "true"]
    deploy:
      resources:
        limits:
          cpus: "1.0"
          memory: 512M

secrets:
  db_password:
    file: ../secrets/db_password.txt
`;

/** The seed's layout, which passes every rule. */
export function seedLayout(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'deploy/docker-compose.yml': BASE,
    'deploy/docker-compose.prod.yml': PROD,
    'deploy/Dockerfile': 'FROM scratch\n',
    '.gitignore': '.env\n.env.*\n!.env.example\nsecrets/\n',
    '.dockerignore': '.git\n.env\n.env.*\nsecrets/\n',
    '.env.prod': 'APP_ENV=prod\nDB_HOST=db.internal\n',
    'secrets/db_password.txt': 'hunter2\n',
    'secrets.example/db_password.txt': 'change-me\n',
    ...extra,
  };
}

export async function check(
  dir: string,
  files: string[],
  env: Record<string, string> = {},
): Promise<CheckComposeResult> {
  return checkCompose({ cwd: dir, files, env, buildContext: '.', dockerfile: 'deploy/Dockerfile' });
}

export const PROD_FILES = ['deploy/docker-compose.yml', 'deploy/docker-compose.prod.yml'];

export function byRule(findings: Finding[], ruleId: RuleId): Finding[] {
  return findings.filter((f) => f.ruleId === ruleId);
}

export function at(f: Finding | undefined): string {
  return f?.location ? `${f.location.file}:${f.location.line}` : '';
}

/** The seed layout plus `deploy/extra.yml` as the last prod file (and any other files); removed by `cleanup`. */
export async function checkSeedWithExtra(
  extra: string,
  files: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<CheckComposeResult & { dir: string }> {
  const dir = makeProject(seedLayout({ 'deploy/extra.yml': extra, ...files }));
  return { dir, ...(await check(dir, [...PROD_FILES, 'deploy/extra.yml'], env)) };
}
