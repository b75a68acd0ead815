// The stage to check follows Compose: with no `target` input, the prod service's `build.target` is the stage that ships.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCheck } from '../../src/check/run-check.js';

/** A runner that ships and a debug stage after it (last, so it is what a bare build makes), with sudo for devs. */
const DOCKERFILE = `FROM python:3.12-slim AS builder
RUN pip wheel -w /wheels .
FROM python:3.12-slim AS runner
COPY --from=builder /wheels /wheels
USER 10001
FROM runner AS debug
USER root
`;
const compose = (target: string) => `services:
  app:
    image: example/app:1
    build:
      context: ..
      dockerfile: deploy/Dockerfile
${target ? `      target: ${target}\n` : ''}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'da-target-'));
  await mkdir(path.join(dir, 'deploy'));
  await writeFile(path.join(dir, 'deploy/Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, '.dockerignore'), '.git\n.env\n.env.*\nsecrets/\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function check(target: string, inputTarget?: string) {
  await writeFile(path.join(dir, 'deploy/compose.yml'), compose(target));
  const outcome = await runCheck({
    workingDirectory: dir,
    dockerfile: path.join(dir, 'deploy/Dockerfile'),
    context: dir,
    target: inputTarget,
    buildArgs: new Map(),
    network: undefined,
    composeFiles: ['deploy/compose.yml'],
    envVars: [],
    forbiddenTools: [],
    allowedTools: [],
    configFile: path.join(dir, '.github/deploy-action.yml'),
    env: {},
    log: () => undefined,
    skipImage: true,
    repositoryRoot: dir,
  });
  const dockerfileIds = outcome.findings.filter((f) => /^DA-(DF|INP)-/.test(f.ruleId));
  return {
    stage: outcome.targetStage?.name,
    ids: dockerfileIds.map((f) => `${f.ruleId}@${f.location?.file}:${f.location?.line}`),
    outcome,
  };
}

describe('the stage to check follows compose build.target', () => {
  test('catches nothing in the runner a prod service builds, though the last stage (debug) runs as root', async () => {
    expect(await check('runner')).toMatchObject({ stage: 'runner', ids: [] });
  });
  test('catches the root USER of the stage compose builds when that is the debug stage', async () => {
    expect(await check('debug')).toMatchObject({ stage: 'debug', ids: ['DA-DF-002@deploy/Dockerfile:7'] });
  });
  test('catches a build.target the Dockerfile does not define, on the compose line', async () => {
    const { ids, outcome } = await check('runtime');
    expect(ids).toEqual(['DA-INP-003@deploy/compose.yml:7']);
    expect(outcome.findings.find((f) => f.ruleId === 'DA-INP-003')!.message).toContain(
      "Target stage 'runtime' (build.target of compose service 'app') is not in deploy/Dockerfile",
    );
  });
  test('does not follow compose when the target input is set, or when the service names no target', async () => {
    expect((await check('runner', 'debug')).stage).toBe('debug');
    expect((await check('')).stage).toBe('debug');
  });
});
