// Large anchor-heavy files are checked; alias bombs are refused. Bounds are on what aliases expand to, not on how
// many a file uses. Timings are printed, not asserted tightly (speed is `npm run bench`'s job).
import { checkCompose } from '../../src/compose/check.js';
import { at, byRule, cleanup, makeProject } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

const SERVICES = 57;

/**
 * The shape of a large real stack: x- extension anchors for defaults, logging, env and healthchecks, each service
 * `<<: *service-defaults` with its own image and a merged environment; one service is privileged so the test
 * proves the rules ran on the expanded file.
 */
function anchorHeavyCompose(): { text: string; aliases: number; privilegedLine: number } {
  const lines = [
    'x-logging: &logging',
    '  driver: json-file',
    '  options: { max-size: "10m", max-file: "3" }',
    'x-limits: &limits',
    '  resources:',
    '    limits: { cpus: "0.5", memory: 256M }',
    'x-service-defaults: &service-defaults',
    '  restart: unless-stopped',
    '  logging: *logging',
    '  deploy: *limits',
    '  network_mode: none',
    'x-common-env: &common-env',
    '  TZ: UTC',
    '  LOG_LEVEL: info',
    '  OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4317',
    'x-http-health: &http-health',
    '  test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"]',
    '  interval: 30s',
    '  retries: 3',
    'services:',
  ];
  let aliases = 3;
  let privilegedLine = 0;
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    lines.push(`  ${name}:`, '    <<: *service-defaults', `    image: org/${name}:1.${i}.0`);
    lines.push('    environment:', '      <<: *common-env', `      SERVICE_NAME: ${name}`);
    aliases += 2;
    // The generic `healthcheck` alias on most services; the others write their own.
    if (i % 2 === 0) {
      lines.push('    healthcheck: *http-health');
      aliases++;
    } else lines.push('    healthcheck:', '      test: ["CMD", "true"]');
    if (i === 42) {
      lines.push('    privileged: true');
      privilegedLine = lines.length;
    }
  }
  return { text: `${lines.join('\n')}\n`, aliases, privilegedLine };
}

describe('a large anchor-heavy compose file', () => {
  test(`${SERVICES} services and about 140 aliases are checked, not refused`, async () => {
    const { text, aliases, privilegedLine } = anchorHeavyCompose();
    expect(aliases).toBeGreaterThanOrEqual(130);
    const dir = makeProject({ 'docker-compose.yml': text }, { git: false });
    dirs.push(dir);
    const t = performance.now();
    const r = await checkCompose({ cwd: dir, files: ['docker-compose.yml'], env: {} });
    const ms = performance.now() - t;
    console.log(`anchor-heavy file: ${SERVICES} services, ${aliases} aliases, checked in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000);
    expect(byRule(r.findings, 'DA-CMP-003')).toEqual([]);
    expect(r.model!.services).toHaveLength(SERVICES);
    expect(r.model!.services.every((s) => s.restart?.value === 'unless-stopped')).toBe(true);
    // The rules ran on the expansion: the one privileged service, at its line; the shared limits count.
    expect(byRule(r.findings, 'DA-CMP-038').map(at)).toEqual([`docker-compose.yml:${privilegedLine}`]);
    expect(byRule(r.findings, 'DA-CMP-025')).toEqual([]);
  });
});

describe('an alias bomb', () => {
  test('nine levels of nine aliases ("billion laughs") is refused quickly, at the alias that expands it', async () => {
    const lines = ['x-lol0: &lol0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `x-lol${i}: &lol${i} [${Array(9)
          .fill(`*lol${i - 1}`)
          .join(',')}]`,
      );
    lines.push('services:', '  app:', '    image: org/app:1.0', '    command: *lol9');
    const dir = makeProject({ 'bomb.yml': `${lines.join('\n')}\n` }, { git: false });
    dirs.push(dir);
    const t = performance.now();
    const r = await checkCompose({ cwd: dir, files: ['bomb.yml'], env: {} });
    const ms = performance.now() - t;
    console.log(`billion laughs: refused in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5000);
    expect(r.model).toBeUndefined();
    const f = byRule(r.findings, 'DA-CMP-003');
    expect(f).toHaveLength(1);
    // x-lol0..4 expand within the bound (about 83,000 nodes with their aliases); an alias of x-lol5 crosses it.
    expect(at(f[0])).toBe('bomb.yml:6');
    expect(f[0]!.message).toMatch(/aliases expand to more than 200000 nodes/);
  });

  test('one huge string repeated by aliases is bounded by bytes', async () => {
    const big = 'x'.repeat(512 * 1024);
    const uses = Array.from({ length: 40 }, (_, i) => `  V${i}: *big`).join('\n');
    const text = `x-big: &big "${big}"\nservices:\n  app:\n    image: org/app:1.0\n    environment:\n${uses.replace(/^/gm, '    ')}\n`;
    const dir = makeProject({ 'big.yml': text }, { git: false });
    dirs.push(dir);
    const r = await checkCompose({ cwd: dir, files: ['big.yml'], env: {} });
    const f = byRule(r.findings, 'DA-CMP-003');
    expect(f[0]!.message).toMatch(/bytes of text/);
    // Reported at the alias use that crossed the bound, not at the anchor.
    expect(f[0]!.location!.line).toBeGreaterThan(5);
  });
});
