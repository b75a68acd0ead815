/**
 * `up` of one release on a compose host, and putting a release that ran before back: switch `current` to it and `up`
 * it health-gated. Shared by a failed deploy's rollback (HostDeploy) and `mode: rollback` (HostRollback).
 */
import type { DeployPlan } from '../plan.js';
import type { ReleaseManifest } from '../release/manifest.js';
import type { Release } from '../release/release.js';
import { HostStepError, type DeployLog } from '../release/steps.js';
import { remoteJoin } from '../remote/script.js';
import { composeDownScript, settleHalfRecreatedScript } from '../remote/scripts/compose.js';
import type { RemoteShell } from '../remote/shell.js';
import { composeUp } from './compose-up.js';
import { planHostRollout, removeOrphans, rollOut } from './rollout.js';

/** The plan settings an `up` reads. */
export type UpSettings = Pick<DeployPlan, 'rollout' | 'healthTimeoutSeconds' | 'commandTimeoutMs'>;

export interface ReleaseHost {
  shell: RemoteShell;
  /** The host as the log names it. */
  name: string;
  /** deploy-path as the host resolved it. */
  deployPath: string;
  settings: UpSettings;
  log: DeployLog;
}

/**
 * `up` of a release: start-first services that changed roll out one by one (after `up` of the others); with none,
 * plain `up` of the whole project. `keepUnchanged` (a rollback) leaves alone a start-first service whose container
 * already runs this release's config.
 */
export async function upRelease(
  h: ReleaseHost,
  releaseDir: string,
  composeFiles: readonly string[],
  project: string,
  keepUnchanged = false,
): Promise<void> {
  const r = {
    shell: h.shell,
    name: h.name,
    releaseAbs: remoteJoin(h.deployPath, 'releases', releaseDir),
    project,
    composeFiles,
    healthTimeoutSeconds: h.settings.healthTimeoutSeconds,
    commandTimeoutMs: h.settings.commandTimeoutMs,
    log: h.log,
  };
  const steps = await planHostRollout(r, h.settings.rollout, keepUnchanged);
  if (!steps || (!steps.roll.length && !steps.keep.length)) return composeUp(r);
  if (steps.plain.length) await composeUp(r, steps.plain);
  else await removeOrphans(r, [...steps.roll.map((s) => s.service), ...steps.keep]);
  for (const s of steps.roll) await rollOut(r, s.service, s.oldId);
}

/**
 * Points `current` at `dir` (through `rel`, the release the switch starts from) and brings it up health-gated,
 * steered only by its validated manifest (which compose project, which files). Throws when it is not healthy.
 */
export async function restoreRelease(
  h: ReleaseHost,
  rel: Release,
  dir: string,
  manifest: ReleaseManifest,
): Promise<void> {
  const timeoutMs = h.settings.commandTimeoutMs;
  await rel.switchCurrent(dir);
  const { composeFiles, project, version } = manifest;
  const settleHalfRecreated = () => h.shell.run(settleHalfRecreatedScript(project), { timeoutMs });
  try {
    await settleHalfRecreated();
    await upRelease(h, dir, composeFiles, project, true);
  } catch (e) {
    // An `up` killed with its connection can leave containers half made (renamed, or created under the
    // service's name), and the next `up` then stops at "Conflict … already in use": clear them and try once more.
    if (!(e instanceof HostStepError) || !/Conflict|already in use/.test(e.message)) throw e;
    h.log.warning(`${h.name}: containers of the interrupted up are in the way; removing them, then up ${version}`);
    const abs = remoteJoin(h.deployPath, 'releases', dir);
    await h.shell.run(composeDownScript(abs, project, composeFiles), { timeoutMs });
    await upRelease(h, dir, composeFiles, project, true);
  }
  // Again after: a request the killed up had in flight may have finished while the rollback ran.
  await settleHalfRecreated();
}
