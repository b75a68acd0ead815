import { authDisabled } from './auth-disabled.js';
import type { ComposeRule } from './context.js';
import { dangerousCapability } from './dangerous-capability.js';
import { dockerSocketMount } from './docker-socket-mount.js';
import { envFileMissing } from './env-file-missing.js';
import { envFileNotGitignored } from './env-file-not-gitignored.js';
import { healthcheck } from './healthcheck.js';
import { configFileMount } from './config-file-mount.js';
import { hostDataMount } from './host-data-mount.js';
import { hostDevices } from './host-devices.js';
import { hostNamespace } from './host-namespace.js';
import { hostBindMount } from './host-bind-mount.js';
import { hostNetwork } from './host-network.js';
import { hostPid } from './host-pid.js';
import { imageNotPinned } from './image-not-pinned.js';
import { privileged } from './privileged.js';
import { resourceLimits } from './resource-limits.js';
import { restartPolicy } from './restart-policy.js';
import { rootGroupUser } from './root-group.js';
import { rootUser } from './root-user.js';
import { rolloutDowntime } from './rollout-downtime.js';
import { secretExampleMissing } from './secret-example-missing.js';
import { secretFileInImage } from './secret-file-in-image.js';
import { secretFileMissing } from './secret-file-missing.js';
import { secretFileNotGitignored } from './secret-file-not-gitignored.js';
import { secretInEnvFile } from './secret-in-env-file.js';
import { secretInEnvironment } from './secret-in-environment.js';
import { secretLongSyntax } from './secret-long-syntax.js';
import { secretMode } from './secret-mode.js';
import { secretModeIgnored } from './secret-mode-ignored.js';
import { secretNotFile } from './secret-not-file.js';
import { secretTrackedByGit } from './secret-tracked-by-git.js';
import { sourceCodeMount } from './source-code-mount.js';
import { statefulService } from './stateful-service.js';
import { unconfined } from './unconfined.js';
import { undeclaredNamedVolume } from './undeclared-named-volume.js';
import { undefinedSecret } from './undefined-secret.js';

/** The rules the merged prod model is held to, in id order; each raises its own id only. */
export const PROD_RULES: readonly ComposeRule[] = [
  undefinedSecret,
  envFileMissing,
  secretFileMissing,
  hostBindMount,
  dockerSocketMount,
  sourceCodeMount,
  undeclaredNamedVolume,
  statefulService,
  resourceLimits,
  secretLongSyntax,
  secretMode,
  secretNotFile,
  secretFileNotGitignored,
  secretFileInImage,
  secretModeIgnored,
  secretInEnvironment,
  secretInEnvFile,
  secretTrackedByGit,
  envFileNotGitignored,
  secretExampleMissing,
  rootUser,
  privileged,
  hostNetwork,
  hostPid,
  dangerousCapability,
  imageNotPinned,
  restartPolicy,
  healthcheck,
  rootGroupUser,
  hostNamespace,
  unconfined,
  hostDevices,
  authDisabled,
  hostDataMount,
  configFileMount,
  rolloutDowntime,
];
