import type { DockerfileRule } from './context.js';
import { dockerignore } from './dockerignore.js';
import { finalStageUser } from './final-stage-user.js';
import { multiStage } from './multi-stage.js';
import { noPasswordlessSudo } from './no-passwordless-sudo.js';
import { noSecretInArgEnv } from './no-secret-in-arg-env.js';
import { noToolImageInRunner } from './no-tool-image-in-runner.js';
import { userFromUnsetArg } from './user-from-unset-arg.js';

/** The rules read from the Dockerfile text, in id order; each raises its own id only. */
export const DOCKERFILE_RULES: readonly DockerfileRule[] = [
  multiStage,
  finalStageUser,
  noToolImageInRunner,
  noSecretInArgEnv,
  dockerignore,
  userFromUnsetArg,
  noPasswordlessSudo,
];
