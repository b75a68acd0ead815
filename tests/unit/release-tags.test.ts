import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseReleaseTag, planTagMoves, requireReleaseTag, TagError } from '../../scripts/release/tags.mjs';
import { REPO_ROOT } from '../helpers/paths.js';

describe('release tag arithmetic', () => {
  test('vX.Y.Z moves vX and vX.Y', () => {
    expect(planTagMoves('v1.2.3')).toMatchObject({ prerelease: false, moves: ['v1', 'v1.2'] });
    expect(planTagMoves('v10.0.0').moves).toEqual(['v10', 'v10.0']);
    expect(planTagMoves('v0.3.1').moves).toEqual(['v0', 'v0.3']);
  });

  test('refs/tags/ is accepted, so GITHUB_REF can be passed as it is', () => {
    expect(planTagMoves('refs/tags/v2.0.1')).toMatchObject({
      release: { tag: 'v2.0.1', major: 2, minor: 0, patch: 1 },
    });
  });

  test('pre-releases move nothing', () => {
    for (const tag of ['v1.2.0-rc.1', 'v2.0.0-beta', 'v1.0.0-alpha.1.x-y', 'v1.2.3-0']) {
      expect(planTagMoves(tag, ['v1.1.0'])).toMatchObject({ prerelease: true, moves: [] });
    }
    expect(parseReleaseTag('v1.2.0-rc.1')).toMatchObject({ prerelease: 'rc.1', build: '' });
  });

  test('build metadata does not make a pre-release', () => {
    expect(planTagMoves('v1.2.3+build.7')).toMatchObject({ prerelease: false, moves: ['v1', 'v1.2'] });
  });

  test('a patch to an older minor line moves vX.Y but leaves vX on the newer release', () => {
    const existing = ['v1', 'v1.4', 'v1.4.0', 'v1.5.0', 'v1.5', 'v1.6.0-rc.1', 'v2.0.0'];
    expect(planTagMoves('v1.4.1', existing).moves).toEqual(['v1.4']);
    // A pre-release of a higher version does not hold vX back.
    expect(planTagMoves('v1.5.1', existing).moves).toEqual(['v1', 'v1.5']);
    // Re-running the release of the newest tag (which is already listed) still moves both.
    expect(planTagMoves('v1.5.0', existing).moves).toEqual(['v1', 'v1.5']);
    // An older patch of an older line moves nothing.
    expect(planTagMoves('v1.4.0', [...existing, 'v1.4.2']).moves).toEqual([]);
  });

  test('tags that are not semver are refused with a message saying what is expected', () => {
    for (const tag of [
      'v1',
      'v1.2',
      '1.2.3',
      'v01.2.3',
      'v1.2.3.4',
      'v1.2.3-',
      'v1.2.3-rc..1',
      'release-1',
      'V1.2.3',
      '',
      'v1.2.3-01',
    ]) {
      expect(parseReleaseTag(tag)).toBeUndefined();
      expect(() => planTagMoves(tag)).toThrow(TagError);
    }
    expect(() => requireReleaseTag('v1.2')).toThrow(
      "Refusing tag 'v1.2': not a release tag of the form vMAJOR.MINOR.PATCH (e.g. v1.2.3, or v1.2.3-rc.1 for a pre-release).",
    );
  });
});

describe('move-tags CLI on a real git repository', () => {
  const CLI = path.join(REPO_ROOT, 'scripts/release/move-tags.mjs');
  let dir: string;
  let work: string;
  let remote: string;
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    }).trim();
  const cli = (...args: string[]) => {
    const outputFile = path.join(dir, 'github_output');
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: work,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GITHUB_OUTPUT: outputFile,
      },
    });
    return { ...r, outputFile };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-release-'));
    remote = path.join(dir, 'remote.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '--quiet', '--bare', remote);
    git(dir, 'init', '--quiet', work);
    for (const [key, value] of [
      ['user.name', 'test'],
      ['user.email', 'test@localhost'],
      ['commit.gpgsign', 'false'],
    ]) {
      git(work, 'config', key!, value!);
    }
    git(work, 'remote', 'add', 'origin', remote);
    for (const version of ['v1.0.0', 'v1.1.0']) {
      await writeFile(path.join(work, 'VERSION'), version);
      git(work, 'add', 'VERSION');
      git(work, 'commit', '--quiet', '-m', version);
      git(work, 'tag', '-a', version, '-m', version);
    }
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main', '--tags');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('move points v1 and v1.1 at the release commit and pushes them', async () => {
    const r = cli('move', 'v1.1.0');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const commit = git(work, 'rev-parse', 'v1.1.0^{commit}');
    expect(git(remote, 'rev-parse', 'v1^{commit}')).toBe(commit);
    expect(git(remote, 'rev-parse', 'v1.1^{commit}')).toBe(commit);
    expect(await readFile(r.outputFile, 'utf8')).toContain('prerelease=false\nmoves=v1 v1.1\n');
  });

  test('a pre-release leaves the floating tags where they are', async () => {
    await writeFile(path.join(work, 'VERSION'), 'rc');
    git(work, 'commit', '--quiet', '-am', 'rc');
    git(work, 'tag', 'v1.2.0-rc.1');
    const before = git(remote, 'rev-parse', 'v1^{commit}');
    const r = cli('move', 'v1.2.0-rc.1');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('pre-release: no floating tag moves');
    expect(git(remote, 'rev-parse', 'v1^{commit}')).toBe(before);
    expect(git(work, 'tag', '--list', 'v1.2')).toBe('');
  });

  test('a tag that is not semver is refused with exit code 2 and nothing changes', () => {
    const before = git(remote, 'rev-parse', 'v1^{commit}');
    const r = cli('move', 'latest');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Refusing tag 'latest'");
    expect(git(remote, 'rev-parse', 'v1^{commit}')).toBe(before);
  });

  test('a release tag missing from the clone fails with a clear message', () => {
    const r = cli('move', 'v9.9.9');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tag v9.9.9 does not exist in this clone');
  });
});
