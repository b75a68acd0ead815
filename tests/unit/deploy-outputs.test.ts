import { type DeploySummary, deployOutputs, formatDeploySummary } from '../../src/deploy/summary.js';

const summary = (over: Partial<DeploySummary> = {}): DeploySummary => ({
  ok: true,
  version: '1.4.0',
  previousVersion: '1.3.2',
  imageRefs: ['app:1.4.0'],
  hosts: [
    { host: 'a.example:22', status: 'deployed', release: '1.4.0', steps: [] },
    { host: 'b.example:22', status: 'deployed', release: '1.4.0', steps: [] },
  ],
  deployedHosts: ['a.example:22', 'b.example:22'],
  elapsedMs: 1200,
  finishedAt: '2026-12-01T14:00:00.000Z',
  url: 'https://api.example.com',
  ...over,
});

test('outputs: one release line for hosts that share it, deployed-at and url passed through', () => {
  expect(deployOutputs(summary())).toEqual({
    version: '1.4.0',
    'previous-version': '1.3.2',
    'deployed-hosts': 'a.example:22\nb.example:22',
    release: '1.4.0',
    'deployed-at': '2026-12-01T14:00:00.000Z',
    url: 'https://api.example.com',
    'image-digest': '',
  });
});

test('outputs: the registry digest of the pushed image, as the summary shows it', () => {
  const digest = `sha256:${'d'.repeat(64)}`;
  const s = summary({ imageId: `sha256:${'1'.repeat(64)}`, imageDigest: digest });
  expect(deployOutputs(s)['image-digest']).toBe(digest);
  expect(formatDeploySummary(s)).toContain(`(sha256:${'1'.repeat(64)}, ${digest})`);
});

test('outputs: a host that re-ran the live version has its own suffixed release, listed once each', () => {
  const s = summary();
  s.hosts[1]!.release = '1.4.0.r1764597600000';
  expect(deployOutputs(s).release).toBe('1.4.0\n1.4.0.r1764597600000');
});

test('outputs: a failed deploy names no release and no time; the url stays for the environment link', () => {
  const out = deployOutputs(summary({ ok: false, deployedHosts: [] }));
  expect(out.release).toBe('');
  expect(out['deployed-at']).toBe('');
  expect(out.url).toBe('https://api.example.com');
});

test('the job summary shows the url', () => {
  expect(formatDeploySummary(summary())).toContain('- url: https://api.example.com');
  expect(formatDeploySummary(summary({ url: undefined }))).not.toContain('- url:');
});
