import { imageTags, resolveVersion } from '../../src/deploy/version.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

test('a pushed v-tag gives the version without v, and two image tags', () => {
  const v = resolveVersion({ eventName: 'push', ref: 'refs/tags/v1.2.3', sha }, false);
  expect(v).toEqual({ version: '1.2.3', shortSha: '0123456', tag: 'v1.2.3' });
  expect(imageTags('doongzi/backend', v)).toEqual(['doongzi/backend:1.2.3', 'doongzi/backend:sha-0123456']);
  expect(resolveVersion({ eventName: 'push', ref: 'refs/tags/v2.0.0-rc.1', sha }, false).version).toBe('2.0.0-rc.1');
});

test('other events are refused unless allow-non-tag, which deploys sha-<7>', () => {
  for (const [eventName, ref] of [
    ['pull_request', 'refs/pull/1/merge'],
    ['push', 'refs/heads/main'],
    ['push', 'refs/tags/release-1'],
    ['workflow_dispatch', 'refs/tags/v1.0.0'],
  ] as const) {
    expect(() => resolveVersion({ eventName, ref, sha }, false)).toThrow(
      /allow-non-tag: deploy runs on a push of a version tag/,
    );
  }
  const v = resolveVersion({ eventName: 'workflow_dispatch', ref: 'refs/heads/main', sha }, true);
  expect(v).toEqual({ version: 'sha-0123456', shortSha: '0123456' });
  expect(imageTags('r', v)).toEqual(['r:sha-0123456']);
  // A dispatched run on a version tag keeps the tag's version.
  expect(resolveVersion({ eventName: 'workflow_dispatch', ref: 'refs/tags/v1.0.0', sha }, true).version).toBe('1.0.0');
});

test('a tag that is no valid image tag is refused', () => {
  expect(() => resolveVersion({ eventName: 'push', ref: 'refs/tags/v1.0.0+build.5', sha }, false)).toThrow(
    /not a valid image tag/,
  );
  expect(() => resolveVersion({ eventName: 'push', ref: 'refs/tags/v../x', sha }, false)).toThrow(
    /not a valid image tag/,
  );
  expect(() => resolveVersion({ eventName: 'push', ref: 'refs/tags/v1', sha: 'nope' }, false)).toThrow(
    /not a commit hash/,
  );
});
