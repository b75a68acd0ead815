/** Plain `docker compose up --wait` of a release (all of it, or the services a rollout leaves to it), and its failure. */
import { describeFailure } from '../diagnose.js';
import { HostStepError } from '../release/steps.js';
import { exitName } from '../remote/script.js';
import { composeUpScript } from '../remote/scripts/compose.js';
import type { SshError } from '../remote/shell.js';
import type { RolloutHost } from './rollout.js';
import { hostText } from '../../util/host-text.js';

/** compose's stderr without its progress lines and the known `mode` warning: what is left is the reason. */
export function composeErrorLines(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .filter(
      (l) =>
        !/^\s*(Container|Network|Volume) \S+\s+(Recreate|Recreated|Creating|Created|Starting|Started|Waiting|Healthy|Running|Stopping|Stopped|Removing|Removed)$/.test(
          l,
        ),
    )
    .filter((l) => !/secrets `uid`, `gid` and `mode` are not supported/.test(l));
  return hostText(lines.slice(-8).join('\n'));
}

export async function composeUp(h: RolloutHost, services?: readonly string[]): Promise<void> {
  const timeout = h.healthTimeoutSeconds;
  const script = composeUpScript(h.releaseAbs, h.project, h.composeFiles, timeout, services);
  try {
    await h.shell.run(script, { timeoutMs: (timeout + 60) * 1000 });
  } catch (e) {
    const err = e as SshError;
    if (err.kind === 'connection-lost' || h.shell.closed) throw e;
    const reason =
      exitName(script, err.exitCode) === 'healthTimeout'
        ? `the services were not healthy within health-timeout (${timeout}s)`
        : `docker compose up failed: ${composeErrorLines(err.stderr ?? err.message)}`;
    const detail = await describeFailure(h.shell, h.project);
    throw new HostStepError('up', `${h.name}: ${reason}\n${detail}`);
  }
}
