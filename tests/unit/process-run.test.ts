/**
 * The one child-process wrapper, against real processes: what a child's environment holds (read by the child itself
 * from /proc/self/environ), what the debug log shows, and that a timeout ends a process that ignores SIGTERM.
 */
import { childEnv, scrubFromChildEnv } from '../../src/process/child-env.js';
import { logCommandsTo, ProcessTimeoutError, runProcess, spawnStreaming } from '../../src/process/run.js';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-unit\n-----END OPENSSH PRIVATE KEY-----';
const SECRET = 'pw-unit-"quoted" $dollar';
const CACHE = {
  ACTIONS_CACHE_URL: 'http://127.0.0.1:9/cache/',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token-for-buildx',
  ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/results/',
  ACTIONS_CACHE_SERVICE_V2: 'True',
};
const STEP_ENV = { 'INPUT_SSH-KEY': KEY, INPUT_MODE: 'deploy', UNIT_DB_PASSWORD: SECRET, UNIT_OTHER: SECRET, ...CACHE };

const saved = new Map<string, string | undefined>();
beforeAll(() => {
  for (const [k, v] of Object.entries(STEP_ENV)) {
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  scrubFromChildEnv(['UNIT_DB_PASSWORD']);
});
afterAll(() => {
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterEach(() => logCommandsTo(() => undefined));

/** The environment the exec'd program really got, as the kernel holds it. */
function parseEnviron(text: string): Map<string, string> {
  return new Map(
    text
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the child environment', () => {
  test('drops every INPUT_*, the registered secret variables and per-call names; keeps PATH and the cache service', async () => {
    const r = await runProcess('cat', ['/proc/self/environ'], { scrub: ['UNIT_OTHER'] });
    expect(r.code).toBe(0);
    const env = parseEnviron(r.stdout);
    expect([...env.keys()].filter((k) => k.toUpperCase().startsWith('INPUT_'))).toEqual([]);
    expect(env.has('UNIT_DB_PASSWORD')).toBe(false);
    expect(env.has('UNIT_OTHER')).toBe(false);
    expect(r.stdout).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA-unit');
    expect(r.stdout).not.toContain(SECRET);
    for (const [k, v] of Object.entries(CACHE)) expect(env.get(k)).toBe(v);
    expect(env.get('PATH')).toBe(process.env.PATH);
  });

  test('a streaming child gets the same environment', async () => {
    const child = spawnStreaming('cat', ['/proc/self/environ']);
    const chunks: Buffer[] = [];
    for await (const c of child.stdout) chunks.push(c as Buffer);
    expect((await child.exited).code).toBe(0);
    const env = parseEnviron(Buffer.concat(chunks).toString());
    expect(env.has('INPUT_SSH-KEY')).toBe(false);
    expect(env.has('UNIT_DB_PASSWORD')).toBe(false);
    expect(env.get('ACTIONS_RUNTIME_TOKEN')).toBe(CACHE.ACTIONS_RUNTIME_TOKEN);
  });

  test('an override sets a variable but cannot bring a scrubbed one back', () => {
    const env = childEnv({ DOCKER_BUILDKIT: '1', UNIT_DB_PASSWORD: 'again', 'INPUT_SSH-KEY': 'again' });
    expect(env.DOCKER_BUILDKIT).toBe('1');
    expect(env.UNIT_DB_PASSWORD).toBeUndefined();
    expect(env['INPUT_SSH-KEY']).toBeUndefined();
  });
});

describe('a child-only variable (how a build secret reaches buildx alone)', () => {
  test('reaches that child even under a registered name, never the next child; INPUT_* stays refused', async () => {
    const only = { UNIT_DB_PASSWORD: 'for-buildx-only', UNIT_BUILD_SECRET_0: 'also-only', INPUT_SNEAK: 'no' };
    const first = parseEnviron((await runProcess('cat', ['/proc/self/environ'], { childOnlyEnv: only })).stdout);
    expect(first.get('UNIT_DB_PASSWORD')).toBe('for-buildx-only');
    expect(first.get('UNIT_BUILD_SECRET_0')).toBe('also-only');
    expect(first.has('INPUT_SNEAK')).toBe(false);
    const next = (await runProcess('cat', ['/proc/self/environ'])).stdout;
    expect(next).not.toContain('for-buildx-only');
    expect(next).not.toContain('also-only');
  });
});

describe('the debug log', () => {
  test('shows program and arguments, never stdin or an env value', async () => {
    const lines: string[] = [];
    logCommandsTo((l) => lines.push(l));
    const r = await runProcess('sh', ['-c', 'cat; printf %s "$X"', 'arg with space'], {
      input: 'stdin-only-value',
      env: { X: 'env-only-value' },
    });
    expect(r.stdout).toBe('stdin-only-valueenv-only-value');
    expect(lines).toEqual([`[command] sh -c 'cat; printf %s "$X"' 'arg with space'`]);
  });
});

describe('exit status', () => {
  test('a signal gives 128 + n; a missing program rejects', async () => {
    const r = await runProcess('sh', ['-c', 'kill -KILL $$']);
    expect([r.code, r.signal]).toEqual([137, 'SIGKILL']);
    await expect(runProcess('deploy-action-no-such-program', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('the timeout', () => {
  test('SIGKILL follows within the grace period when SIGTERM is ignored; the pipes a grandchild holds are destroyed', async () => {
    // The grandchild `sleep` keeps stdout open after its shell dies: only destroying the pipes ends the wait.
    const child = spawnStreaming('sh', ['-c', 'trap "" TERM; sleep 60 & echo $!; wait'], {
      timeoutMs: 300,
      killGraceMs: 700,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const started = Date.now();
    await expect(child.exited).rejects.toBeInstanceOf(ProcessTimeoutError);
    const elapsed = Date.now() - started;
    const grandchild = Number(out.trim());
    try {
      expect(elapsed).toBeGreaterThanOrEqual(300 + 700 - 50);
      expect(elapsed).toBeLessThan(300 + 700 + 1500);
      expect(alive(child.pid!)).toBe(false);
      expect(child.stdout.destroyed).toBe(true);
      expect(alive(grandchild)).toBe(true); // it held the pipe: the wait above did not depend on it ending
    } finally {
      if (grandchild) process.kill(grandchild, 'SIGKILL');
    }
  });

  test('SIGTERM comes first: a child that honours it ends before the grace period', async () => {
    let out = '';
    const started = Date.now();
    const run = runProcess('sh', ['-c', 'trap "exit 0" TERM; sleep 60 & echo $!; wait'], {
      timeoutMs: 200,
      killGraceMs: 5_000,
      onOutput: (d) => (out += d),
    });
    try {
      await expect(run).rejects.toThrow(/ran longer than 200 ms and was killed/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      if (Number(out.trim())) process.kill(Number(out.trim()), 'SIGKILL');
    }
  });

  test('kill() ends a streaming child at once, and a normal run is not cut short', async () => {
    const child = spawnStreaming('sleep', ['60'], { killGraceMs: 200 });
    child.stdout.resume();
    child.kill();
    const status = await child.exited;
    expect(status.signal).toBe('SIGTERM');
    const r = await runProcess('sh', ['-c', 'sleep 0.3; echo done'], { timeoutMs: 5_000 });
    expect(r.stdout).toBe('done\n');
  });
});
