import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Finding, RuleId } from '../../src/findings/finding.js';
import { applySuppressions, loadRuleSettings } from '../../src/findings/suppressions.js';
import { ANNOTATION_LIMIT, planAnnotations } from '../../src/report/annotations.js';
import type { CheckResult } from '../../src/check/check-result.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderSummary } from '../../src/report/summary.js';
import { formatBytes } from '../../src/util/format.js';
import { ALL_RULES } from '../../src/check/catalog.js';

const f = (ruleId: RuleId, severity: Finding['severity'], line: number, file = 'deploy/Dockerfile'): Finding => ({
  ruleId,
  severity,
  message: `m${line}`,
  location: { file, line },
});
const same = (p: string) => p;

describe('annotations', () => {
  test('most severe first, file paths rebased, rule docs linked', () => {
    const plan = planAnnotations([f('DA-IMG-004', 'warning', 3), f('DA-IMG-001', 'error', 9)], (p) => `sub/${p}`);
    expect(plan.map((a) => [a.severity, a.file, a.startLine, a.title])).toEqual([
      ['error', 'sub/deploy/Dockerfile', 9, 'DA-IMG-001 runs-as-root'],
      ['warning', 'sub/deploy/Dockerfile', 3, 'DA-IMG-004 deleted-tool-still-shipped'],
    ]);
    expect(plan[0]!.message).toContain('docs/rules.md#da-img-001');
  });
  test('at most ten of a kind, the last saying how many more the summary lists', () => {
    const many = Array.from({ length: 14 }, (_, i) => f('DA-DF-004', 'error', i + 1));
    const plan = planAnnotations(many, same);
    expect(plan).toHaveLength(ANNOTATION_LIMIT);
    expect(plan.at(-1)!.message).toContain('5 more error findings');
    expect(plan.at(-1)!.file).toBeUndefined();
  });
});

const result: CheckResult = {
  findings: [f('DA-IMG-003', 'error', 12), f('DA-CMP-031', 'notice', 2, 'deploy/docker-compose.prod.yml')],
  image: {
    imageId: 'sha256:abc',
    sizeBytes: 154_000_000,
    layerCount: 5,
    runtimeUser: '999:999',
    configuredUser: 'appuser',
    builder: 'buildx',
    target: 'runner',
  },
  dockerfile: 'deploy/Dockerfile',
  composeFiles: [],
  durationMs: 1234,
};

describe('summary and SARIF', () => {
  test('the summary shows the verdict, image facts and every finding with a pipe-safe message', () => {
    const md = renderSummary(
      { ...result, findings: [...result.findings, { ...f('DA-DF-004', 'warning', 1), message: 'a | b\nc' }] },
      same,
    );
    expect(md).toContain('❌ Check failed');
    expect(md).toContain('| Runtime user | `999:999` (USER `appuser`) |');
    expect(md).toContain('a \\| b<br>c');
    expect(md).toContain('`deploy/Dockerfile:12`');
  });
  test('SARIF 2.1.0 carries every rule with help and results with repository-relative regions', () => {
    const sarif = JSON.parse(renderSarif(result, (p) => `app/${p}`, '1.2.3'));
    expect(sarif.version).toBe('2.1.0');
    const driver = sarif.runs[0].tool.driver;
    expect(driver.rules).toHaveLength(ALL_RULES.length);
    expect(
      driver.rules.every((r: { help: { text: string }; helpUri: string }) => r.help.text && r.helpUri.includes('#')),
    ).toBe(true);
    const [first] = sarif.runs[0].results;
    expect(first.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'app/deploy/Dockerfile', uriBaseId: '%SRCROOT%' },
      region: { startLine: 12 },
    });
    expect(driver.rules[first.ruleIndex].id).toBe('DA-IMG-003');
  });
  test('formatBytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(154_000_000)).toBe('154.0 MB');
  });
});

describe('ignores and settings', () => {
  test('inline ignores on the line or the line above; a reasonless ignore is itself reported', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'da-sup-'));
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        'FROM a',
        '# deploy-action ignore=DA-DF-004 build-time only, rotated',
        'ENV TOKEN=x',
        'ENV KEY=y # deploy-action ignore=DA-DF-004',
        'ENV SECRET=z',
      ].join('\n'),
    );
    const kept = await applySuppressions(
      [
        f('DA-DF-004', 'error', 3, 'Dockerfile'),
        f('DA-DF-004', 'error', 4, 'Dockerfile'),
        f('DA-DF-004', 'error', 5, 'Dockerfile'),
      ],
      new Map(),
      dir,
      dir,
    );
    expect(kept.map((k) => `${k.ruleId}@${k.location?.line}`)).toEqual(['DA-DF-004@5', 'DA-CFG-001@4']);
  });
  test('the settings file turns rules off or re-rates them; mistakes are errors at their line', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'da-cfg-'));
    const file = path.join(dir, 'deploy-action.yml');
    await writeFile(file, 'rules:\n  DA-DF-005: off\n  DA-IMG-004: error\n  DA-NOPE-1: off\n  DA-DF-001: loud\n');
    const known = new Set(ALL_RULES.map((r) => r.id));
    const { settings, findings } = await loadRuleSettings(file, '.github/deploy-action.yml', known, dir);
    expect([...settings]).toEqual([
      ['DA-DF-005', 'off'],
      ['DA-IMG-004', 'error'],
    ]);
    expect(findings.map((x) => `${x.ruleId}@${x.location?.line}`)).toEqual(['DA-CFG-002@4', 'DA-CFG-002@5']);
    const kept = await applySuppressions(
      [f('DA-DF-005', 'error', 1), f('DA-IMG-004', 'warning', 2)],
      settings,
      dir,
      dir,
    );
    expect(kept.map((k) => [k.ruleId, k.severity])).toEqual([['DA-IMG-004', 'error']]);
    await writeFile(file, 'rules: [\n');
    expect((await loadRuleSettings(file, 'x.yml', known, dir)).findings[0]!.ruleId).toBe('DA-CFG-002');
  });
  test('a settings file linked out of the repository is refused unread, its content never in the finding', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'da-cfg-'));
    const outside = await mkdtemp(path.join(os.tmpdir(), 'da-outside-'));
    await writeFile(path.join(outside, 'shadow'), 'root:$6$hash-never-shown:19000::::::\n');
    await symlink(path.join(outside, 'shadow'), path.join(dir, 'deploy-action.yml'));
    const known = new Set(ALL_RULES.map((r) => r.id));
    const { settings, findings } = await loadRuleSettings(path.join(dir, 'deploy-action.yml'), 'x.yml', known, dir);
    expect(settings.size).toBe(0);
    expect(findings.map((x) => [x.ruleId, x.message])).toEqual([
      ['DA-INP-008', 'x.yml: resolves outside the repository (through a symlink or ../); it is not read'],
    ]);
  });
});
