/**
 * `npm run bench:deploy` (scripts/bench-deploy.sh compiles and runs this): three deploys of the example to host b
 * (its own dockerd, over the real sshd) with `image-delivery: ssh`: the first (host b lacks the image), a code-only
 * release (one line of app code changed) and the same release again. Prints, per deploy, the compressed bytes sent
 * into the channel, what host b's `docker load` read by its own count, the image step's and the whole deploy's
 * wall time. Argv: host b's env file, the v1 and v2 images, the example dir, a name for the project and paths, the
 * e2e fixtures dir (the no-network override).
 */
import '../src/runtime-globals.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDeployInputs } from '../src/deploy/inputs.js';
import { buildDeployPlan, type DeploySource } from '../src/deploy/plan.js';
import { runDeploy, type DeployLog } from '../src/deploy/run-deploy.js';

const [envFile, v1, v2, example, suite, fixtures] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const env = Object.fromEntries(
  readFileSync(envFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;

function source(version: string, localRef: string): DeploySource {
  const read = (p: string) => readFileSync(path.join(example, p), 'utf8');
  return {
    projectName: 'doongzi',
    composeFiles: [
      { path: 'deploy/docker-compose.yml', content: read('deploy/docker-compose.yml') },
      { path: 'deploy/docker-compose.prod.yml', content: read('deploy/docker-compose.prod.yml') },
      {
        path: 'deploy/docker-compose.test-no-network.yml',
        content: readFileSync(path.join(fixtures, 'no-network.yml'), 'utf8'),
      },
    ],
    buildServices: ['app'],
    secretFiles: [{ name: 'db_password', file: 'secrets/db_password.txt', services: ['app'] }],
    envFiles: ['.env.prod'],
    runtimeUser: { uid: 999, gid: 999 },
    image: { localRef, repository: `deploy-action-test/${suite}` },
    event: { eventName: 'push', ref: `refs/tags/v${version}`, sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
  };
}

const inputs: Record<string, string> = {
  'ssh-host': `${env.SSH_HOST}:${env.SSH_PORT}`,
  'ssh-user': env.SSH_USER!,
  'ssh-key': readFileSync(env.SSH_KEY!, 'utf8'),
  'ssh-known-hosts': readFileSync(env.KNOWN_HOSTS!, 'utf8'),
  'deploy-path': `/srv/deploy-action-test/${suite}`,
  'deploy-secrets': 'db_password=BENCH_DB_PASSWORD',
  'image-delivery': 'ssh',
  'env-file': 'APP_ENV=prod\n',
  'health-timeout': '60',
  'project-name': `deploy-action-test-${suite}`,
};
const quiet: DeployLog & { lines: string[] } = {
  lines: [],
  info: (m) => quiet.lines.push(m),
  warning: (m) => quiet.lines.push(`WARNING ${m}`),
  startGroup: () => undefined,
  endGroup: () => undefined,
};

const rows: string[] = [];
for (const [label, version, ref] of [
  ['first deploy (v1)', '1.0.0', v1],
  ['code-only redeploy (v2)', '2.0.0', v2],
  ['unchanged redeploy (v2)', '2.0.0', v2],
] as const) {
  quiet.lines.length = 0;
  const plan = buildDeployPlan(
    parseDeployInputs((n) => inputs[n] ?? '', { BENCH_DB_PASSWORD: 'bench\n' }),
    source(version, ref),
  );
  const t0 = performance.now();
  const summary = await runDeploy(plan, quiet);
  const wall = performance.now() - t0;
  const host = summary.hosts[0]!;
  const step = (s: string) => host.steps.find((t) => t.step === s)?.ms ?? 0;
  const received = /received (\d+) bytes/.exec(quiet.lines.find((l) => / image /.test(l)) ?? '')?.[1] ?? '-';
  process.stderr.write(`[bench] ${label}: ${quiet.lines.find((l) => / image /.test(l))}\n`);
  rows.push(
    [
      label.padEnd(26),
      String(host.imageDelivery).padEnd(16),
      String(host.imageBytesSent).padStart(12),
      received.padStart(14),
      String(host.imageSize).padStart(12),
      `${(step('image') / 1000).toFixed(2)} s`.padStart(10),
      `${((wall - step('connect')) / 1000).toFixed(2)} s`.padStart(16),
      `${(wall / 1000).toFixed(2)} s`.padStart(10),
    ].join(' '),
  );
}
process.stdout.write(
  `\n${['deploy'.padEnd(26), 'delivery'.padEnd(16), 'bytes sent'.padStart(12), 'host read'.padStart(14), 'image bytes'.padStart(12), 'image step'.padStart(10), 'beyond connect'.padStart(16), 'wall'.padStart(10)].join(' ')}\n${rows.join('\n')}\n`,
);
