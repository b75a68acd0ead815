// Prod rules on patterns from real repositories: what each catches and what it does not.
import { at, byRule, checkSeedWithExtra, cleanup } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function withExtra(extra: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const r = await checkSeedWithExtra(extra, files, env);
  dirs.push(r.dir);
  return r;
}

describe('DA-CMP-025 resource-limits: a limit that resolves to 0 is no limit', () => {
  const zeroLimits = `services:
  app:
    deploy:
      resources:
        limits:
          cpus: "\${WEB_CPUS:-0}"
          memory: "0"
  worker:
    image: org/worker:1.0
    cpus: 0.0
    mem_limit: 0b
    restart: unless-stopped
    healthcheck: { test: ["CMD", "true"] }
`;
  test('catches cpus "${WEB_CPUS:-0}", memory "0", cpus 0.0 and mem_limit 0b, each at its line', async () => {
    const f = byRule((await withExtra(zeroLimits)).findings, 'DA-CMP-025');
    expect(f.map(at)).toEqual([
      'deploy/extra.yml:6',
      'deploy/extra.yml:7',
      'deploy/extra.yml:10',
      'deploy/extra.yml:11',
    ]);
    expect(f[0]!.message).toContain('cpus: ${WEB_CPUS:-0} (= 0), which resolves to 0 = unlimited');
    expect(f[3]!.message).toMatch(/mem_limit: 0b.*0 = unlimited: it has no memory limit/);
  });
  test('does not catch a non-zero default or value ("${WEB_CPUS:-0.5}", 0.25, 512M)', async () => {
    const f = byRule(
      (
        await withExtra(
          zeroLimits
            .replace('${WEB_CPUS:-0}', '${WEB_CPUS:-0.5}')
            .replace('"0"', '512M')
            .replace('0.0', '0.25')
            .replace('0b', '10m'),
        )
      ).findings,
      'DA-CMP-025',
    );
    expect(f).toEqual([]);
  });
  test('does not catch the interpolated value when the environment sets it non-zero', async () => {
    const f = byRule((await withExtra(zeroLimits, {}, { WEB_CPUS: '2' })).findings, 'DA-CMP-025');
    expect(f.map(at)).not.toContain('deploy/extra.yml:6');
  });
});

describe('DA-CMP-045 root-group', () => {
  test('catches user "unit:root" and "1000:0", at the user line', async () => {
    const named = await withExtra('services:\n  app:\n    user: unit:root\n');
    expect(byRule(named.findings, 'DA-CMP-045').map(at)).toEqual(['deploy/extra.yml:3']);
    expect(byRule(named.findings, 'DA-CMP-045')[0]!.message).toContain('group root is the root group');
    const numeric = await withExtra('services:\n  app:\n    user: "1000:0"\n');
    expect(byRule(numeric.findings, 'DA-CMP-045').map(at)).toEqual(['deploy/extra.yml:3']);
    expect(byRule(numeric.findings, 'DA-CMP-037')).toEqual([]);
  });
  test('does not catch 1000:1000, a uid alone, or root:root (DA-CMP-037 reports that one)', async () => {
    for (const user of ['"1000:1000"', '"10001"', 'app:app']) {
      const r = await withExtra(`services:\n  app:\n    user: ${user}\n`);
      expect(byRule(r.findings, 'DA-CMP-045')).toEqual([]);
    }
    const root = await withExtra('services:\n  app:\n    user: root:root\n');
    expect(byRule(root.findings, 'DA-CMP-045')).toEqual([]);
    expect(byRule(root.findings, 'DA-CMP-037').map(at)).toEqual(['deploy/extra.yml:3']);
  });
});
