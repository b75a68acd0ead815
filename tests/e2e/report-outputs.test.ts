// The action's reports when two steps check in one job: each step's JSON report has its own path (output `report`),
// `summary: false` writes no job summary, and the summary links each finding's line to the blob at the commit.
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';

describe('reports of two steps in one job', () => {
  let dir: string;
  let runnerTemp: string;
  beforeAll(async () => {
    dir = await makeWorkspace(undefined, (d) =>
      appendFile(path.join(d, 'deploy/Dockerfile'), 'ENV API_TOKEN=abc123\n'),
    );
    runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'h-cli-runner-temp-'));
  });
  afterAll(async () => {
    await removeWorkspace(dir);
    await rm(runnerTemp, { recursive: true, force: true });
  });

  test('each step keeps its own JSON report; summary: false writes none; findings link to their line', async () => {
    const env = (step: string) => ({
      RUNNER_TEMP: runnerTemp,
      GITHUB_JOB: 'check',
      GITHUB_ACTION: step,
      GITHUB_SERVER_URL: 'https://github.invalid',
      GITHUB_SHA: SHA,
    });
    const first = await runAction(dir, { 'fail-on': 'never' }, env('api'));
    const second = await runAction(dir, { 'fail-on': 'never', summary: 'false' }, env('web'));
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.outputs.report).toBe(path.join(runnerTemp, 'deploy-action-report-check-api.json'));
    expect(second.outputs.report).toBe(path.join(runnerTemp, 'deploy-action-report-check-web.json'));
    const reports = await Promise.all(
      [first, second].map(async (r) => JSON.parse(await readFile(r.outputs.report!, 'utf8'))),
    );
    expect(reports.map((r) => r.findings.some((f: { rule: string }) => f.rule === 'DA-DF-004'))).toEqual([true, true]);

    expect(second.summary).toBe('');
    const line = (await readFile(path.join(dir, 'deploy/Dockerfile'), 'utf8')).trimEnd().split('\n').length;
    expect(first.summary).toContain(
      `[\`deploy/Dockerfile:${line}\`](https://github.invalid/doongzi/doongzi-backend/blob/${SHA}/deploy/Dockerfile#L${line})`,
    );
    expect(first.summary).toMatch(/\*\*Fix:\*\* /);
    expect(first.summary).toMatch(/^1 error, \d+ warnings?, \d+ notices? in /m);
  });
});
