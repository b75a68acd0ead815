/**
 * The build-push-action inputs: list and CSV reading, secret forms and their errors, the GitHub cache scope, the OCI
 * label defaults, the platform choice and the buildx arguments (which must never hold a secret value).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBuildInputs } from '../../src/action/build-inputs.js';
import { parseInputList } from '../../src/action/input-list.js';
import {
  buildxOptionArgs,
  cacheScope,
  choosePlatform,
  decideCache,
  defaultLabels,
  NO_BUILD_OPTIONS,
  SECRET_ENV_PREFIX,
  withDefaultLabels,
} from '../../src/check/image/build-options.js';
import { UserFacingError } from '../../src/findings/finding.js';

const WS = mkdtempSync(path.join(os.tmpdir(), 'build-inputs-unit-'));
writeFileSync(path.join(WS, 'npmrc'), '//registry/:_authToken=x\n');
const read = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
  readBuildInputs((n) => inputs[n] ?? '', {
    workspace: WS,
    workingDirectory: WS,
    dockerfile: path.join(WS, 'deploy/Dockerfile'),
    env,
  });

describe('list inputs, read as build-push-action reads them', () => {
  test('newline lists split on commas unless the item keeps them; quotes protect a comma; # starts a comment line', () => {
    expect(parseInputList('tags', 'app:1,app:latest\nghcr.io/o/app:sha-1\n\n')).toEqual([
      'app:1',
      'app:latest',
      'ghcr.io/o/app:sha-1',
    ]);
    expect(
      parseInputList('cache-to', 'type=gha,mode=max\n# off\ntype=local,dest=/tmp/c', { ignoreComma: true }),
    ).toEqual(['type=gha,mode=max', 'type=local,dest=/tmp/c']);
    expect(parseInputList('labels', 'a=1\n"b=x,y"\nc=issue #5', { ignoreComma: true })).toEqual([
      'a=1',
      'b=x,y',
      'c=issue #5',
    ]);
    expect(parseInputList('platforms', '"linux/amd64,linux/arm64"')).toEqual(['linux/amd64,linux/arm64']);
    expect(parseInputList('platforms', '  linux/amd64 , linux/arm64 ')).toEqual(['linux/amd64', 'linux/arm64']);
  });
  test('an unclosed quote is one clear error naming the input and line, without the text', () => {
    const e = (() => {
      try {
        parseInputList('secrets', 'ok=1\n"tok=s3cr3t-value');
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(UserFacingError);
    expect(e!.message).toMatch(/^Input 'secrets' line 2 is not a valid list line/);
    expect(e!.message).not.toContain('s3cr3t');
  });
});

describe('secrets, secret-envs and secret-files', () => {
  test('each form becomes one secret; values are collected for the mask and env names for the scrub', () => {
    const b = read(
      {
        secrets: 'pip=tok,en=with=equals\nnpm=line',
        'secret-envs': 'gh=GH_TOKEN,other=OTHER',
        'secret-files': 'npmrc=npmrc',
      },
      { GH_TOKEN: 'gh-value', OTHER: 'other-value' },
    );
    expect(b.options.secrets).toEqual([
      { id: 'pip', kind: 'value', value: 'tok,en=with=equals', from: 'secrets' },
      { id: 'npm', kind: 'value', value: 'line', from: 'secrets' },
      { id: 'gh', kind: 'value', value: 'gh-value', from: 'secret-envs GH_TOKEN' },
      { id: 'other', kind: 'value', value: 'other-value', from: 'secret-envs OTHER' },
      { id: 'npmrc', kind: 'file', path: path.join(WS, 'npmrc') },
    ]);
    expect(b.secretValues).toEqual(['tok,en=with=equals', 'line', 'gh-value', 'other-value']);
    expect(b.secretEnvNames).toEqual(['GH_TOKEN', 'OTHER']);
  });
  test('a secret without a value, an unset variable, a missing file or a repeated id: one error naming it', () => {
    expect(() => read({ secrets: 'pip=' })).toThrow("Input 'secrets': secret 'pip' has no value after '='.");
    expect(() => read({ secrets: 's3cr3t-no-id' })).toThrow(/item 1 is not `id=…`/);
    expect(() => read({ secrets: 's3cr3t-no-id' })).not.toThrow(/s3cr3t/);
    expect(() => read({ 'secret-envs': 'pip=PIP_TOKEN' })).toThrow(
      /secret 'pip' reads the environment variable PIP_TOKEN, which is unset or empty/,
    );
    expect(() => read({ 'secret-envs': 'pip=not a name' })).toThrow(/is not an environment variable name/);
    expect(() => read({ 'secret-files': 'f=missing.txt' })).toThrow(/names missing.txt, which is not a file/);
    expect(() => read({ secrets: 'a=1', 'secret-files': 'a=npmrc' })).toThrow(/secret id 'a' is given twice/);
    expect(() => read({ 'no-cache': 'yes' })).toThrow("Input 'no-cache' must be true or false; got 'yes'.");
  });
});

describe('buildx arguments', () => {
  test('secret values go to the child-only env under our own names, never into argv', () => {
    const b = read(
      { secrets: 'pip=v4lue-one', 'secret-envs': 'gh=GH_TOKEN', 'secret-files': 'npmrc=npmrc' },
      { GH_TOKEN: 'v4lue-two' },
    );
    const { args, secretEnv } = buildxOptionArgs(b.options, undefined, []);
    expect(args.slice(0, 6)).toEqual([
      '--secret',
      `id=pip,env=${SECRET_ENV_PREFIX}0`,
      '--secret',
      `id=gh,env=${SECRET_ENV_PREFIX}1`,
      '--secret',
      `id=npmrc,src=${path.join(WS, 'npmrc')}`,
    ]);
    expect(secretEnv).toEqual({ [`${SECRET_ENV_PREFIX}0`]: 'v4lue-one', [`${SECRET_ENV_PREFIX}1`]: 'v4lue-two' });
    const text = args.join(' ');
    expect(text).not.toContain('v4lue');
    expect(text).not.toContain('GH_TOKEN');
  });
  test('ssh, platform, cache, contexts, tags, labels, no-cache and pull map to their flags', () => {
    const b = read({
      ssh: 'default',
      'build-contexts': 'base=docker-image://deploy-action-test/busybox:latest',
      tags: 'app:1\napp:latest',
      labels: 'org.opencontainers.image.title=app',
      'no-cache': 'true',
      pull: 'TRUE',
    });
    expect(buildxOptionArgs(b.options, 'linux/amd64', ['--cache-from', 'type=gha']).args).toEqual([
      '--ssh',
      'default',
      '--platform',
      'linux/amd64',
      '--cache-from',
      'type=gha',
      '--build-context',
      'base=docker-image://deploy-action-test/busybox:latest',
      '--tag',
      'app:1',
      '--tag',
      'app:latest',
      '--label',
      'org.opencontainers.image.title=app',
      '--no-cache',
      '--pull',
    ]);
  });
});

describe('the GitHub cache', () => {
  const SERVICE = { ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/', ACTIONS_RUNTIME_TOKEN: 't' };
  test('the scope is stable, readable and differs by working directory, Dockerfile and target', () => {
    const a = cacheScope('svc/api:deploy/Dockerfile', 'runner');
    expect(a).toBe(cacheScope('svc/api:deploy/Dockerfile', 'runner'));
    expect(a).toMatch(/^deploy-action-svc-api-deploy-dockerfile-runner-[0-9a-f]{10}$/);
    const others = [
      cacheScope('svc/web:deploy/Dockerfile', 'runner'),
      cacheScope('svc/api:deploy/Dockerfile.prod', 'runner'),
      cacheScope('svc/api:deploy/Dockerfile', 'builder'),
      cacheScope('svc/api:deploy/Dockerfile', undefined),
      // Sanitises to the same slug as `a`: the hash keeps them apart.
      cacheScope('svc/api:deploy/dockerfile', 'runner'),
    ];
    expect(new Set([a, ...others]).size).toBe(6);
    expect(cacheScope(`${'x'.repeat(200)}:Dockerfile`, undefined).length).toBeLessThan(90);
  });
  test('default gha only with the cache service and an exporting driver; the user’s cache inputs win', () => {
    const opts = { ...NO_BUILD_OPTIONS, scopeBase: '.:deploy/Dockerfile' };
    const scope = cacheScope('.:deploy/Dockerfile', 'runner');
    expect(decideCache(opts, 'runner', SERVICE, 'docker-container').args).toEqual([
      '--cache-from',
      `type=gha,scope=${scope}`,
      '--cache-to',
      `type=gha,scope=${scope},mode=max`,
    ]);
    const docker = decideCache(opts, 'runner', SERVICE, 'docker');
    expect(docker.args).toEqual([]);
    expect(docker.note).toMatch(/docker driver, which cannot export a GitHub cache/);
    expect(decideCache(opts, 'runner', {}, 'docker-container')).toEqual({
      args: [],
      note: 'no GitHub cache service in this environment',
    });
    const user = { ...opts, cacheFrom: ['type=registry,ref=r/app:cache'], cacheTo: [] };
    expect(decideCache(user, 'runner', SERVICE, 'docker-container').args).toEqual([
      '--cache-from',
      'type=registry,ref=r/app:cache',
    ]);
  });
});

describe('OCI labels', () => {
  const RUN = {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'doongzi/doongzi-backend',
    GITHUB_SHA: 'a1b2c3d4',
    GITHUB_REF: 'refs/tags/v1.2.0',
    GITHUB_REF_TYPE: 'tag',
    GITHUB_REF_NAME: 'v1.2.0',
  };
  test('source, revision and version (on a tag) by default; none outside a run', () => {
    expect(defaultLabels(RUN)).toEqual({
      'org.opencontainers.image.source': 'https://github.com/doongzi/doongzi-backend',
      'org.opencontainers.image.revision': 'a1b2c3d4',
      'org.opencontainers.image.version': 'v1.2.0',
    });
    expect(
      defaultLabels({ ...RUN, GITHUB_REF: 'refs/heads/main', GITHUB_REF_TYPE: 'branch', GITHUB_REF_NAME: 'main' }),
    ).not.toHaveProperty('org.opencontainers.image.version');
    expect(defaultLabels({})).toEqual({});
  });
  test("a label the user sets is theirs (metadata-action's labels pass as given)", () => {
    expect(withDefaultLabels(['org.opencontainers.image.version=1.2.0', 'x=1'], RUN)).toEqual([
      'org.opencontainers.image.version=1.2.0',
      'x=1',
      'org.opencontainers.image.source=https://github.com/doongzi/doongzi-backend',
      'org.opencontainers.image.revision=a1b2c3d4',
    ]);
  });
});

describe('platforms', () => {
  test('one is built and verified: the native one when listed, else the first; the others are named', () => {
    expect(choosePlatform([], 'linux/amd64', 'docker')).toEqual({ platform: undefined });
    expect(choosePlatform(['linux/arm64'], 'linux/amd64', 'docker')).toEqual({ platform: 'linux/arm64' });
    const two = choosePlatform(['linux/arm64', 'linux/amd64'], 'linux/amd64', 'docker');
    expect(two.platform).toBe('linux/amd64');
    expect(two.note).toMatch(
      /the docker driver can load only one platform into the engine: built and verified linux\/amd64 only; not verified: linux\/arm64/,
    );
    expect(choosePlatform(['linux/arm64', 'linux/s390x'], 'linux/amd64', 'docker-container').platform).toBe(
      'linux/arm64',
    );
  });
});
