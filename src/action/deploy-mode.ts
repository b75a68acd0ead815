import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CheckOutcome } from '../check/run-check.js';
import type { ComposeModel } from '../compose/model.js';
import { UserFacingError } from '../findings/finding.js';
import { deployFromAction } from '../deploy/action-adapter.js';
import type { DeploySource } from '../deploy/plan.js';
import type { DeployInputs } from './deploy-inputs.js';
import type { CheckInputs } from './inputs.js';

/** `doongzi/backend:${APP_VERSION:-dev}` → `doongzi/backend`: release tags go under the repository. */
export function imageRepository(image: string): string {
  const name = image.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(0, colon) : name;
}

/** What the deploy needs from the check: the proven image, its runtime user, and the prod Compose model. */
export async function deploySource(outcome: CheckOutcome, inputs: CheckInputs, env: NodeJS.ProcessEnv): Promise<DeploySource> {
  const model: ComposeModel | undefined = outcome.compose;
  const user = outcome.verification?.user;
  if (!model || !outcome.image || !user) {
    throw new UserFacingError('Deploy needs a built image with a resolved runtime user and a loadable prod Compose project; the check did not produce them.', 'DA-DEP-003');
  }
  const fromRoot = (p: string) => path.relative(inputs.workingDirectory, p).split(path.sep).join('/');
  const built = model.services.filter((s) => s.build);
  const imageName = built.find((s) => s.image)?.image?.value;
  if (!built.length || !imageName) {
    throw new UserFacingError('Deploy needs a prod Compose service with both `build:` and `image:`: the checked image is delivered under that image name.', 'DA-DEP-001');
  }
  return {
    projectName: model.projectName,
    composeFiles: await Promise.all(inputs.composeFiles.map(async (f) => ({ path: fromRoot(f), content: await readFile(f, 'utf8') }))),
    buildServices: built.map((s) => s.name),
    secretFiles: Object.values(model.secrets).flatMap((s) => (s.resolvedFile ? [{ name: s.name, file: fromRoot(s.resolvedFile) }] : [])),
    envFiles: [...new Set(model.services.flatMap((s) => s.envFiles.map((f) => fromRoot(f.resolvedPath))))],
    runtimeUser: user,
    image: { localRef: outcome.image.imageId, repository: imageRepository(imageName) },
    event: { eventName: env.GITHUB_EVENT_NAME ?? '', ref: env.GITHUB_REF ?? '', sha: env.GITHUB_SHA ?? '' },
  };
}

export async function runDeployMode(outcome: CheckOutcome, checkInputs: CheckInputs, deployInputs: DeployInputs): Promise<void> {
  await deployFromAction(deployInputs, await deploySource(outcome, checkInputs, process.env));
}
