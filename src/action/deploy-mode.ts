import path from 'node:path';
import type { CheckOutcome } from '../check/run-check.js';
import type { ComposeModel } from '../compose/model.js';
import { toComposeConfigJson } from '../compose/project.js';
import { rolloutBlocker } from '../compose/rollout-capability.js';
import { UserFacingError } from '../findings/finding.js';
import { deployFromAction, planFromAction } from './deploy-adapter.js';
import type { DeploySource } from '../deploy/plan.js';
import { withReleasePaths } from '../deploy/compose-render.js';
import type { DeployInputs } from '../deploy/inputs.js';
import type { CheckInputs } from './inputs.js';
import { readTextFile } from '../util/read-text.js';

/** `doongzi/backend:${APP_VERSION:-dev}` → `doongzi/backend`: release tags go under the repository. */
export function imageRepository(image: string): string {
  const name = image.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

/** `$` → `$$`, as Compose prints it, so `docker stack deploy` does not interpolate again. */
const escapeDollars = (v: string) => v.replace(/\$/g, '$$$$');

/**
 * The merged prod model as the swarm target renders it: the projection Compose's own `config` prints (interpolated
 * once, here, exactly as for compose), with each service's `environment` from the compose files only and its
 * `env_file` paths relative to the project root: env files are uploaded from the `env-file` input, as for compose,
 * not read from the runner's disk.
 */
export async function stackConfig(
  model: ComposeModel,
  fromRoot: (p: string) => string,
): Promise<Record<string, unknown>> {
  const config = (await toComposeConfigJson(model)) as Record<string, unknown>;
  const services = (config['services'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const svc of model.services) {
    const out = services[svc.name];
    if (!out) continue;
    delete out['environment'];
    if (svc.environment.length) {
      out['environment'] = Object.fromEntries(
        svc.environment.map((e) => [
          e.key,
          e.value === null
            ? model.env[e.key] === undefined
              ? null
              : escapeDollars(model.env[e.key]!)
            : escapeDollars(e.value),
        ]),
      );
    }
    if (svc.envFiles.length) out['env_file'] = svc.envFiles.map((f) => fromRoot(f.resolvedPath));
  }
  return config;
}

/** What the deploy needs from the check: the proven image, its runtime user, and the prod Compose model. */
export async function deploySource(
  outcome: CheckOutcome,
  inputs: CheckInputs,
  env: NodeJS.ProcessEnv,
  opts: { stack?: boolean } = {},
): Promise<DeploySource> {
  const model: ComposeModel | undefined = outcome.compose;
  const user = outcome.verification?.user;
  if (!model || !outcome.image || !user) {
    throw new UserFacingError(
      'Deploy needs a built image with a resolved runtime user and a loadable prod Compose project; the check did not produce them.',
      'DA-DEP-003',
    );
  }
  const fromRoot = (p: string) => path.relative(inputs.workingDirectory, p).split(path.sep).join('/');
  const built = model.services.filter((s) => s.build);
  const imageName = built.find((s) => s.image)?.image?.value;
  if (!built.length || !imageName) {
    throw new UserFacingError(
      'Deploy needs a prod Compose service with both `build:` and `image:`: the checked image is delivered under that image name.',
      'DA-DEP-001',
    );
  }
  return {
    projectName: model.projectName,
    composeFiles: await Promise.all(
      inputs.composeFiles.map(async (f) => ({
        path: fromRoot(f),
        // The check already read these through the same guard; read again the same way, never through a link out.
        content: await readTextFile(f, { root: model.repositoryRoot, label: fromRoot(f) }),
      })),
    ),
    buildServices: built.map((s) => s.name),
    secretFiles: Object.values(model.secrets).flatMap((s) =>
      s.resolvedFile
        ? [
            {
              name: s.name,
              file: fromRoot(s.resolvedFile),
              services: model.services
                .filter((svc) => svc.secrets.some((r) => r.source === s.name))
                .map((svc) => svc.name),
            },
          ]
        : [],
    ),
    envFiles: [...new Set(model.services.flatMap((s) => s.envFiles.map((f) => fromRoot(f.resolvedPath))))],
    runtimeUser: user,
    image: { localRef: outcome.image.imageId, repository: imageRepository(imageName) },
    services: model.services.map((s) => {
      const blocker = rolloutBlocker(s);
      return { name: s.name, ...(blocker ? { rolloutBlocker: blocker.reason } : {}) };
    }),
    event: { eventName: env.GITHUB_EVENT_NAME ?? '', ref: env.GITHUB_REF ?? '', sha: env.GITHUB_SHA ?? '' },
    ...(opts.stack
      ? { stackConfig: await stackConfig(model, fromRoot) }
      : { composeConfig: withReleasePaths(await stackConfig(model, fromRoot), inputs.workingDirectory) }),
  };
}

export async function runDeployMode(
  outcome: CheckOutcome,
  checkInputs: CheckInputs,
  deployInputs: DeployInputs,
): Promise<void> {
  await deployFromAction(
    deployInputs,
    await deploySource(outcome, checkInputs, process.env, { stack: deployInputs.deployTarget === 'swarm' }),
  );
}

/** `mode: plan`: the same source as a deploy, planned against each host; returns the plan's markdown. */
export async function runPlanMode(
  outcome: CheckOutcome,
  checkInputs: CheckInputs,
  deployInputs: DeployInputs,
): Promise<{ markdown: string; failed: string[] }> {
  return planFromAction(
    deployInputs,
    await deploySource(outcome, checkInputs, process.env, { stack: deployInputs.deployTarget === 'swarm' }),
  );
}
