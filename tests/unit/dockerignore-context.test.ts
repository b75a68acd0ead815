// DA-DF-005 demands only what the build context holds or what Compose points into it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCheck } from '../../src/check/run-check.js';

const DOCKERFILE = `FROM python:3.12-slim AS builder
RUN pip wheel -w /wheels .
FROM python:3.12-slim AS runner
COPY --from=builder /wheels /wheels
COPY . /app
USER 10001
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'da-ignore-'));
  await mkdir(path.join(dir, 'deploy'));
  await writeFile(path.join(dir, 'deploy/Dockerfile'), DOCKERFILE);
  await writeFile(path.join(dir, 'app.py'), 'print()\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Writes `files` (path → text; a path ending in `/` is a directory) and returns the DA-DF-005 messages. */
async function dockerignoreFindings(files: Record<string, string>, compose?: string) {
  for (const [name, text] of Object.entries(files)) {
    if (name.endsWith('/')) await mkdir(path.join(dir, name), { recursive: true });
    else {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
  }
  if (compose) await writeFile(path.join(dir, 'deploy/compose.yml'), compose);
  const outcome = await runCheck({
    workingDirectory: dir,
    dockerfile: path.join(dir, 'deploy/Dockerfile'),
    context: dir,
    target: undefined,
    buildArgs: new Map(),
    network: undefined,
    composeFiles: compose ? ['deploy/compose.yml'] : [],
    envVars: [],
    forbiddenTools: [],
    allowedTools: [],
    configFile: path.join(dir, '.github/deploy-action.yml'),
    env: {},
    log: () => undefined,
    skipImage: true,
    repositoryRoot: dir,
  });
  return outcome.findings
    .filter((f) => f.ruleId === 'DA-DF-005')
    .map((f) => `${f.location?.file}:${f.location?.line} ${f.message}`);
}

describe('DA-DF-005 dockerignore, from what the context holds', () => {
  test('catches a secrets/ directory in the context that .dockerignore does not exclude', async () => {
    expect(await dockerignoreFindings({ '.dockerignore': '.git\n', 'secrets/db_password.txt': 'x' })).toEqual([
      '.dockerignore:1 .dockerignore does not exclude secrets/ (the build context has secrets/).',
    ]);
  });
  test('catches .env and .env.prod in the context', async () => {
    expect(await dockerignoreFindings({ '.dockerignore': '.git\n', '.env': 'A=1', '.env.prod': 'A=2' })).toEqual([
      '.dockerignore:1 .dockerignore does not exclude .env (.env is in the build context), .env.* (.env.prod is in the build context).',
    ]);
  });
  test('catches an env_file compose reads from the context, though it does not exist yet', async () => {
    const compose =
      'services:\n  app:\n    image: example/app:1\n    env_file:\n      - path: ../.env.staging\n        required: false\n';
    expect(await dockerignoreFindings({ '.dockerignore': '.git\n' }, compose)).toEqual([
      ".dockerignore:1 .dockerignore does not exclude .env.* (compose service 'app' reads env_file .env.staging).",
    ]);
  });
  test('catches a compose file secret inside the context, by its own path', async () => {
    const compose =
      'services:\n  app:\n    image: example/app:1\n    secrets: [db]\nsecrets:\n  db:\n    file: ./secrets/db.txt\n';
    expect(
      await dockerignoreFindings({ '.dockerignore': '.git\nsecrets/\n', 'deploy/secrets/db.txt': 'x' }, compose),
    ).toEqual([
      ".dockerignore:1 .dockerignore does not exclude deploy/secrets/db.txt (compose secret 'db' is the file deploy/secrets/db.txt).",
    ]);
  });
  test('does not catch a project with no secrets/, no .env files and only a .env.example, when .git is excluded', async () => {
    expect(await dockerignoreFindings({ '.dockerignore': '.git\n', '.env.example': 'A=' })).toEqual([]);
  });
  test('does not demand more than .git of a context without .dockerignore that holds no secrets', async () => {
    expect(await dockerignoreFindings({})).toEqual([
      'deploy/Dockerfile:1 No .dockerignore in the build context: .git can be copied into the image.',
    ]);
  });
});
