// Prod rules on patterns from real repositories (stateful images, bind mounts, secret modes): what each catches and
// what it does not.
import { join } from 'node:path';
import { loadRuleSettings } from '../../src/findings/suppressions.js';
import { RULE_IDS } from '../../src/rules/rule-ids.js';
import { at, byRule, checkSeedWithExtra, cleanup, makeProject } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function withExtra(extra: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const r = await checkSeedWithExtra(extra, files, env);
  dirs.push(r.dir);
  return r;
}

/** A self-hosted data tier as real stacks pin it: vendor repositories, other registries, and look-alike tools. */
const dataTier = `services:
  pg:
    image: bitnami/postgresql:16.4.0
  kafka:
    image: confluentinc/cp-kafka:7.7.1
  bouncer:
    image: edoburu/pgbouncer:v1.23.1-p2
  olap:
    image: clickhouse/clickhouse-server:24.8
  s3:
    image: chrislusf/seaweedfs:3.80
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.3
  objects:
    image: quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z
  official:
    image: docker.io/library/postgres:16
  exporter:
    image: prometheuscommunity/postgres-exporter:v0.15.0
  ui:
    image: rediscommander/redis-commander:latest
  kafka-ui:
    image: provectuslabs/kafka-ui:v0.7.2
  mirror:
    image: registry.internal:5000/db/postgres:16
  own:
    image: org/redis-sidecar:1.0
`;

describe('DA-CMP-024 stateful-service, by repository', () => {
  test('catches vendor repositories and other registries: bitnami, confluentinc, edoburu, clickhouse, seaweedfs, elastic, quay minio', async () => {
    const f = byRule((await withExtra(dataTier)).findings, 'DA-CMP-024');
    expect(f.map(at)).toEqual([3, 5, 7, 9, 11, 13, 15, 17].map((l) => `deploy/extra.yml:${l}`));
    expect(f[2]!.message).toContain('runs a postgres pooler (image edoburu/pgbouncer:v1.23.1-p2)');
  });
  test('does not catch look-alike names (postgres-exporter, redis-commander, kafka-ui) or unknown images', async () => {
    const lines = byRule((await withExtra(dataTier)).findings, 'DA-CMP-024').map(at);
    for (const l of [19, 21, 23, 25, 27]) expect(lines).not.toContain(`deploy/extra.yml:${l}`);
  });
  test('the settings file marks a mirror stateful and a known image stateless', async () => {
    const settings = 'stateful:\n  - registry.internal:5000/db/postgres\nstateless:\n  - chrislusf/seaweedfs\n';
    const r = await withExtra(dataTier, { '.github/deploy-action.yml': settings });
    const lines = byRule(r.findings, 'DA-CMP-024').map(at);
    expect(lines).toContain('deploy/extra.yml:25');
    expect(lines).not.toContain('deploy/extra.yml:11');
    expect(byRule(r.findings, 'DA-CMP-024').find((x) => at(x) === 'deploy/extra.yml:25')!.message).toContain(
      'runs a stateful image (image registry.internal:5000/db/postgres:16)',
    );
  });
});

describe('the settings file: stateful: and stateless: image lists', () => {
  test('are read as lists of repositories; anything else under them is an error at its line', async () => {
    const good = makeProject({ 's.yml': 'rules:\n  DA-CMP-024: warning\nstateful:\n  - org/own-db\nstateless: []\n' });
    dirs.push(good);
    const ok = await loadRuleSettings(join(good, 's.yml'), 's.yml', new Set<string>(RULE_IDS), good);
    expect(ok.images).toEqual({ stateful: ['org/own-db'], stateless: [] });
    expect(ok.findings).toEqual([]);
    const bad = makeProject({ 's.yml': 'stateful: org/own-db\nstateless:\n  - { repo: x }\n' });
    dirs.push(bad);
    const r = await loadRuleSettings(join(bad, 's.yml'), 's.yml', new Set<string>(RULE_IDS), bad);
    expect(r.findings.map((x) => `${x.ruleId}@${x.location?.line}`)).toEqual(['DA-CFG-002@1', 'DA-CFG-002@2']);
  });
});

/** What real stacks bind-mount: hot-reload code, database data under the repository, a read-only proxy config. */
const mounts = `services:
  app:
    volumes:
      - ../app:/app/app
      - ../nginx/nginx.conf:/etc/nginx/nginx.conf:ro
      - ../.data/mysql:/var/lib/mysql
      - ../storage:/var/lib/postgresql/data
      - type: bind
        source: /srv/pgdata
        target: /pg
      - /srv/uploads:/uploads
`;
const mountFiles = { 'nginx/nginx.conf': 'events {}\n', 'app/main.py': 'print(1)\n' };

describe('bind mounts by what they hold', () => {
  test('DA-CMP-022 catches source code under the build context, and nothing else', async () => {
    const f = byRule((await withExtra(mounts, mountFiles)).findings, 'DA-CMP-022');
    expect(f.map(at)).toEqual(['deploy/extra.yml:4']);
  });
  test('DA-CMP-050 catches host data directories: by name (.data/mysql, pgdata) or by a database data target', async () => {
    const f = byRule((await withExtra(mounts, mountFiles)).findings, 'DA-CMP-050');
    expect(f.map(at)).toEqual(['deploy/extra.yml:6', 'deploy/extra.yml:7', 'deploy/extra.yml:8']);
    expect(f[0]!.message).toContain('keeps data in host directory .data/mysql (at /var/lib/mysql)');
    expect(f[0]!.message).toContain('named data volume or a managed service');
    expect(f[0]!.severity).toBe('error');
  });
  test('DA-CMP-051 catches a single read-only config file, as a warning', async () => {
    const f = byRule((await withExtra(mounts, mountFiles)).findings, 'DA-CMP-051');
    expect(f.map((x) => [at(x), x.severity])).toEqual([['deploy/extra.yml:5', 'warning']]);
  });
  test('DA-CMP-020 keeps a plain host path (/srv/uploads), not the data, config or code mounts', async () => {
    const r = await withExtra(mounts, mountFiles);
    expect(byRule(r.findings, 'DA-CMP-020').map(at)).toEqual(['deploy/extra.yml:11']);
  });
  test('does not call a writable config file or a read-only directory a config file', async () => {
    const r = await withExtra(
      'services:\n  app:\n    volumes:\n      - ../nginx/nginx.conf:/etc/nginx/nginx.conf\n      - ../nginx:/etc/nginx:ro\n',
      mountFiles,
    );
    expect(byRule(r.findings, 'DA-CMP-051')).toEqual([]);
    expect(byRule(r.findings, 'DA-CMP-022').map(at)).toEqual(['deploy/extra.yml:4', 'deploy/extra.yml:5']);
  });
});

describe('DA-CMP-027 secret-mode: optional, and right where written', () => {
  const refs = (modes: string[]) =>
    `services:\n  app:\n    secrets:\n${modes.map((m, i) => `      - source: db_password\n        target: t${i}\n${m ? `        mode: ${m}\n` : ''}`).join('')}`;
  test('catches an unquoted decimal 400 (= 0620) with the leading-0 hint, and 0640', async () => {
    const f = byRule((await withExtra(refs(['400', '0640']))).findings, 'DA-CMP-027');
    expect(f.map(at)).toEqual(['deploy/extra.yml:6', 'deploy/extra.yml:9']);
    expect(f[0]!.message).toContain(
      'mode 400, a decimal number to Compose (= 0620); an octal mode needs its leading 0',
    );
    expect(f[1]!.message).toContain('has mode 0640; 0400 or stricter');
  });
  test('does not catch a reference without mode, nor 0400', async () => {
    const r = await withExtra(refs(['', '0400']));
    expect(byRule(r.findings, 'DA-CMP-027')).toEqual([]);
    // The notice says the same: the deploy sets 0400, a mode in the file is optional.
    expect(byRule(r.findings, 'DA-CMP-031')[0]!.message).toContain('a mode in the compose file is optional');
  });
});
