/**
 * The deploy lock of deploy-path on one host (see `deployLockScript`), taken before preflight and held until the host's
 * deploy and any rollback of it are over. A lock that cannot be had in `lock-timeout` names its holder.
 */
import type { DeployPlan } from '../plan.js';
import { exitName, parseRecords } from '../remote/script.js';
import { LOCK_READY, deployLockScript } from '../remote/scripts/lock.js';
import type { HeldScript, RemoteShell, SshError } from '../remote/shell.js';
import { hostWord, hostText } from '../../util/host-text.js';

/** Beyond lock-timeout: the connection and the script's own start. */
const LOCK_SLACK_MS = 60_000;

/** `version 1.2.0, run <url>, since <time>`, from the holder records (host text, made inert). */
export function describeHolder(recordsText: string): string {
  const r = parseRecords(recordsText);
  const one = (k: string) => r.get(k)?.[0];
  const parts = [
    one('version') && `version ${hostWord(one('version')!)}`,
    one('run') && `run ${hostWord(one('run')!)}`,
    one('since') && `since ${hostWord(one('since')!)}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'holder not recorded';
}

/** What the lock needs of the plan; `version` is what the holder record names (a rollback says so). */
export type LockSettings = Pick<DeployPlan, 'deployPath' | 'runUrl' | 'lockTimeoutSeconds'> & {
  version: { version: string };
};

export async function takeDeployLock(shell: RemoteShell, plan: LockSettings): Promise<HeldScript> {
  const script = deployLockScript(
    plan.deployPath,
    { version: plan.version.version, runUrl: plan.runUrl },
    plan.lockTimeoutSeconds,
  );
  try {
    return await shell.hold(script, {
      ready: `${LOCK_READY}=1\0`,
      timeoutMs: plan.lockTimeoutSeconds * 1000 + LOCK_SLACK_MS,
    });
  } catch (e) {
    const err = e as SshError;
    const name = exitName(script, err.exitCode);
    if (name === 'busy') {
      throw new Error(
        `deploy-path ${plan.deployPath} is locked by another deploy (${describeHolder(err.stderr ?? '')}), ` +
          `still held after lock-timeout (${plan.lockTimeoutSeconds}s); nothing was changed on this host`,
      );
    }
    // The script's own message (the last stderr line) names the problem and the way out.
    if (name) throw new Error(hostText((err.stderr ?? '').trim().split('\n').slice(-1)[0]!));
    throw e;
  }
}
