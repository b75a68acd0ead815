/**
 * `mode: plan` in the PR comment: the plan first, then the check's summary with its findings; a comment cut to fit
 * GitHub's limit cuts the findings, never the plan; a plan that was not made says so, with the findings still there.
 */
import type { CheckResult } from '../../src/check/check-result.js';
import type { Finding } from '../../src/findings/finding.js';
import { formatPlanMarkdown, formatPlanNotMade } from '../../src/deploy/plan-mode/format.js';
import type { HostPlan } from '../../src/deploy/plan-mode/host-plan.js';
import { MAX_COMMENT_LENGTH, commentBody, commentMarkdown } from '../../src/report/pr-comment.js';

const finding = (i: number): Finding => ({
  ruleId: 'DA-CMP-021',
  severity: 'warning',
  message: `docker.sock is mounted (${i})`,
  location: { file: 'deploy/docker-compose.prod.yml', line: 4 + i },
});
const result = (findings: Finding[]): CheckResult => ({
  findings,
  image: undefined,
  dockerfile: 'deploy/Dockerfile',
  composeFiles: ['deploy/docker-compose.yml', 'deploy/docker-compose.prod.yml'],
  durationMs: 2100,
});
const manager: HostPlan = {
  host: 'mgr.example:22',
  liveVersion: '1.0.0',
  image: { method: 'stream', uncompressedBytes: 2560, layersSent: 1, layersTotal: 6 },
  files: [{ path: 'docker-stack.deploy-action.yml', change: 'changed' }],
  secrets: [{ name: 'db_password', change: 'rotate', as: 'st_db_password_0123456789ab' }],
  services: [
    { service: 'app', action: 'update', detail: 'image, secret db_password' },
    { service: 'cache', action: 'unchanged' },
  ],
  notes: [],
};
const plan = formatPlanMarkdown({ version: '1.1.0', image: 'doongzi/backend:1.1.0', hosts: [manager] });
const same = (p: string) => p;

test('the plan stands above the check summary and its findings', () => {
  const md = commentMarkdown(result([finding(1)]), same, {}, plan);
  expect(md.startsWith(plan)).toBe(true);
  const planAt = md.indexOf('## Deploy plan: 1.1.0');
  const checkAt = md.indexOf('## deploy-action: ');
  expect(checkAt).toBeGreaterThan(planAt);
  expect(md.slice(checkAt)).toContain('docker.sock is mounted (1)');
  expect(md).toContain('| services | app (update: image, secret db_password) |');
  expect(md).toContain('| secrets | db_password as st_db_password_0123456789ab (rotate) |');
});

test('a comment too long for GitHub loses findings at its end, never the plan', () => {
  const many = result(Array.from({ length: 4000 }, (_, i) => finding(i)));
  const body = commentBody(commentMarkdown(many, same, {}, plan), 'check:.:deploy/Dockerfile');
  expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
  expect(body).toContain(plan);
  expect(body).toContain('## deploy-action: ');
  expect(body).toContain('cut to fit a comment');
  expect(body).not.toContain('docker.sock is mounted (3999)');
});

test('no plan made: the comment says why, and the findings are still there', () => {
  const md = commentMarkdown(result([finding(1)]), same, {}, formatPlanNotMade('Not planned: the check found 1 error'));
  expect(md).toMatch(/^## Deploy plan: not made\n\nNot planned: the check found 1 error\. Nothing was changed/);
  expect(md).toContain('docker.sock is mounted (1)');
});
