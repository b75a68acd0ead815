/**
 * A deploy target: how one plan (hosts, auth, pins, version, image, secrets, runtime user) is carried out.
 * `compose` runs `docker compose` on each host; `swarm` deploys a stack through one manager. `runDeploy` owns the
 * shared part (the image on the runner, the summary, the final error) and hands the rest to the target.
 */
import type { LocalImage } from '../deliver-image.js';
import type { DeployLog } from '../release/steps.js';
import type { LocalDocker } from '../local-docker.js';
import type { HostSummary } from '../summary.js';

export interface DeployTarget {
  /** One entry per host the target touches, filled in as it goes. */
  readonly hosts: HostSummary[];
  /** Runs the release; throws with the reason (already worded for the user) on failure. */
  deploy(local: LocalImage, docker: LocalDocker): Promise<void>;
  /**
   * After a failure (of `deploy`, or of the shared steps before it): put back what ran before, as far as the target
   * can, and say in one sentence where the fleet stands.
   */
  recover(): Promise<string>;
  /** The version that ran before this deploy, when the target found one. */
  previousVersion(): string | undefined;
  close(): void;
}

export type { DeployLog };
