// Reporting that scales: SARIF security-severity per rule, grammatical counts, links to the line at the commit, a
// report path unique per step.
import { ALL_RULES } from '../../src/check/catalog.js';
import type { CheckResult } from '../../src/check/check-result.js';
import { reportFileName } from '../../src/report/json-report.js';
import { commentKey } from '../../src/report/pr-comment.js';
import { renderSarif } from '../../src/report/sarif.js';
import { securityBand, securitySeverity } from '../../src/report/security-severity.js';
import { blobLinksFromEnv, formatCounts, renderSummary } from '../../src/report/summary.js';

const result: CheckResult = {
  findings: [
    { ruleId: 'DA-CMP-021', severity: 'error', message: 'docker.sock', location: { file: 'deploy/c o.yml', line: 9 } },
    { ruleId: 'DA-CMP-043', severity: 'warning', message: 'no restart' },
  ],
  image: undefined,
  dockerfile: 'deploy/Dockerfile',
  composeFiles: [],
  durationMs: 1000,
};

describe('SARIF security-severity', () => {
  const rules = JSON.parse(renderSarif(result, (p) => p, '1.0.0')).runs[0].tool.driver.rules as Array<{
    id: string;
    properties: { tags: string[]; 'security-severity'?: string };
  }>;

  test('every weakness rule has a score as a string in 0.0–10.0 with the security tag; input errors have none', () => {
    for (const r of rules) {
      const rule = ALL_RULES.find((x) => x.id === r.id)!;
      const score = r.properties['security-severity'];
      if (rule.area === 'input' || rule.area === 'deploy') {
        expect({ id: r.id, score, tags: r.properties.tags }).toEqual({ id: r.id, score: undefined, tags: [rule.area] });
      } else {
        expect(score).toMatch(/^\d+\.\d$/);
        expect(Number(score)).toBeGreaterThanOrEqual(0);
        expect(Number(score)).toBeLessThanOrEqual(10);
        expect(r.properties.tags).toContain('security');
      }
    }
  });

  test('the bands rank host takeover above hygiene', () => {
    const band = (id: (typeof ALL_RULES)[number]['id']) =>
      securityBand(Number(securitySeverity(ALL_RULES.find((r) => r.id === id)!)));
    expect(band('DA-CMP-021')).toBe('critical'); // docker socket
    expect(band('DA-IMG-006')).toBe('critical'); // secret baked into the image
    expect(band('DA-IMG-001')).toBe('high'); // runs as root
    expect(band('DA-CMP-042')).toBe('medium'); // image not pinned
    expect(band('DA-CMP-044')).toBe('low'); // no healthcheck
    expect([securityBand(9), securityBand(8.9), securityBand(7), securityBand(6.9), securityBand(3.9)]).toEqual([
      'critical',
      'high',
      'high',
      'medium',
      'low',
    ]);
  });
});

describe('job summary', () => {
  test('counts are grammatical', () => {
    expect(formatCounts({ error: 1, warning: 2, notice: 0 })).toBe('1 error, 2 warnings, 0 notices');
    expect(formatCounts({ error: 0, warning: 1, notice: 1 })).toBe('0 errors, 1 warning, 1 notice');
    expect(renderSummary(result, (p) => p)).toContain('1 error, 1 warning, 0 notices in 1.0 s.');
  });

  test("each finding shows its rule's fix and links file:line to the blob at the commit", () => {
    const links = blobLinksFromEnv({
      GITHUB_SERVER_URL: 'https://github.example.invalid/',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_SHA: 'abc123',
    });
    const md = renderSummary(result, (p) => `app/${p}`, { links });
    expect(md).toContain(
      '[`app/deploy/c o.yml:9`](https://github.example.invalid/o/r/blob/abc123/app/deploy/c%20o.yml#L9)',
    );
    expect(md).toContain('docker.sock<br>**Fix:** ');
    expect(renderSummary(result, (p) => p)).toContain('| `deploy/c o.yml:9` |');
    expect(blobLinksFromEnv({ GITHUB_REPOSITORY: 'o/r' })).toBeUndefined();
  });
});

describe('unique names per step', () => {
  test('the JSON report is named for the job and step; outside a run a random suffix keeps it apart', () => {
    expect(reportFileName({ GITHUB_JOB: 'check', GITHUB_ACTION: '__doongzi_deploy-action_2' }, () => 'x')).toBe(
      'deploy-action-report-check-__doongzi_deploy-action_2.json',
    );
    expect(reportFileName({ GITHUB_JOB: 'check', GITHUB_ACTION: 'api' }, () => 'x')).not.toBe(
      reportFileName({ GITHUB_JOB: 'check', GITHUB_ACTION: 'web' }, () => 'x'),
    );
    expect(reportFileName({}, () => 'r4nd')).toBe('deploy-action-report-r4nd.json');
  });

  test('the comment key tells projects and jobs apart, and an explicit key wins', () => {
    const a = commentKey('', { job: 'check', workingDirectory: '.', dockerfile: 'deploy/Dockerfile' });
    const b = commentKey('', { job: 'check', workingDirectory: 'api', dockerfile: 'api/deploy/Dockerfile' });
    const c = commentKey('', { job: 'lint', workingDirectory: '.', dockerfile: 'deploy/Dockerfile' });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBe('check:.:deploy/Dockerfile');
    expect(commentKey(' api ', { job: 'check', workingDirectory: '.', dockerfile: 'x' })).toBe('api');
  });
});
