import { parseManifest } from '../../src/deploy/release/manifest.js';
import { compareWithLive, releaseChanges, releaseFacts } from '../../src/deploy/release/release-changes.js';
import { placeSecrets } from '../../src/deploy/release/secret-store.js';
import { formatDeploySummary } from '../../src/deploy/summary.js';

const key = Buffer.alloc(32, 7);
const owner = { uid: 999, gid: 999 };
const model = (env: Record<string, string | null>, memory = '536870912') => ({
  services: {
    app: { image: 'x', environment: env, deploy: { resources: { limits: { cpus: 1, memory } } } },
    worker: { image: 'y' },
  },
});
const secret = (v: string) =>
  placeSecrets(
    [{ name: 'db_password', relativePath: 's', value: Buffer.from(v), services: ['app'] }],
    '/s',
    key,
    owner,
  );

/** The live release's manifest as the host gives it back: written, serialized, parsed and validated. */
function liveManifest(env: Record<string, string | null>, pw: string, memory?: string) {
  const { manifestFacts } = compareWithLive(model(env, memory), key, undefined, 'r:1.0.0 sha256:aaa', secret(pw));
  const written = {
    version: '1.0.0',
    project: 'shop',
    composeFiles: ['a.yml'],
    image: 'r:1.0.0 sha256:aaa',
    deployedAt: '2026-01-01T00:00:00Z',
    secretFiles: secret(pw).map((p) => p.fileName),
    ...manifestFacts,
  };
  const read = parseManifest(JSON.stringify(written));
  if (!read.ok) throw new Error(read.problem);
  return read.manifest;
}

test('image, environment keys, limits and rotated secrets, by name only; never a value', () => {
  const prev = liveManifest({ A: 'one', B: 'two', GONE: 'x' }, 'pw-old');
  const facts = releaseFacts(model({ A: 'one', B: 'TWO-secretish', NEW: 'n' }, '268435456'), key);
  const changes = releaseChanges(prev, { image: 'r:1.1.0 sha256:bbb', facts, placed: secret('pw-new') });
  expect(changes).toEqual([
    'image: r:1.0.0 → r:1.1.0',
    'service app environment: added NEW; changed B; removed GONE',
    'service app limits: limits.cpus=1 limits.memory=536870912 → limits.cpus=1 limits.memory=268435456',
    'secrets rotated: db_password',
  ]);
  expect(JSON.stringify(prev)).not.toContain('two');
  const summary = formatDeploySummary({
    ok: true,
    version: '1.1.0',
    imageRefs: [],
    hosts: [{ host: 'h', status: 'deployed', steps: [], changes }],
    deployedHosts: ['h'],
    elapsedMs: 1,
  });
  expect(summary).toContain('### Changes against the live release (names only)');
  expect(summary).toContain('- h: image: r:1.0.0 → r:1.1.0; service app environment: added NEW; changed B');
  expect(summary).not.toContain('TWO-secretish');
});

test('the same release compares equal; a release with no facts compares image and secrets only', () => {
  const prev = liveManifest({ A: 'one' }, 'pw');
  const facts = releaseFacts(model({ A: 'one' }), key);
  expect(releaseChanges(prev, { image: 'r:1.0.0 sha256:aaa', facts, placed: secret('pw') })).toEqual([]);
  const { facts: _f, ...old } = prev;
  expect(releaseChanges(old, { image: 'r:1.0.0 sha256:aaa', facts, placed: secret('pw') })).toEqual([
    'environment and limits: the live release records none to compare with',
  ]);
  expect(releaseChanges(undefined, { image: 'r:1 sha256:a', facts, placed: [] })).toEqual([]);
});

test('facts the host altered out of their grammar are dropped, not shown', () => {
  const bad = { version: '1.0.0', project: 'shop', composeFiles: ['a.yml'], image: '', deployedAt: '' };
  for (const facts of [
    { app: { env: { A: 'not-hex' }, limits: '' } },
    { app: { env: { 'A**|': '0123456789abcdef' }, limits: '' } },
    { 'a b': { env: {}, limits: '' } },
  ]) {
    const read = parseManifest(JSON.stringify({ ...bad, facts }));
    expect(read.ok).toBe(true);
    expect(read.ok ? read.manifest.facts : 'unread').toBeUndefined();
  }
});
