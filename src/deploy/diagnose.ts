/** Why `up --wait` failed: the services that are not running or not healthy, their last log lines and health probes. */
import { composeLogsScript, composePsScript, healthProbeScript } from './remote/scripts/compose.js';
import type { RemoteShell } from './remote/shell.js';
import { hostText } from '../util/host-text.js';

interface PsEntry {
  Name?: string;
  Service?: string;
  State?: string;
  Health?: string;
  ExitCode?: number;
}

export function parseComposePs(text: string): PsEntry[] {
  const t = text.trim();
  if (t === '') return [];
  if (t.startsWith('[')) return JSON.parse(t) as PsEntry[];
  return t
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PsEntry);
}

export function failingEntries(entries: readonly PsEntry[]): PsEntry[] {
  return entries.filter(
    (e) => e.State !== 'running' || (e.Health !== undefined && e.Health !== '' && e.Health !== 'healthy'),
  );
}

export async function describeFailure(shell: RemoteShell, project: string, logLines = 20): Promise<string> {
  try {
    const ps = await shell.run(composePsScript(project), { timeoutMs: 60_000 });
    const entries = parseComposePs(ps.stdout);
    const failing = failingEntries(entries);
    if (failing.length === 0)
      return entries.length
        ? 'every service is running; compose reported the failure above'
        : 'no container was created';
    const parts: string[] = [];
    for (const e of failing.slice(0, 3)) {
      const state = `${e.State ?? '?'}${e.Health ? `, ${e.Health}` : ''}${e.State === 'exited' ? `, exit code ${e.ExitCode}` : ''}`;
      parts.push(`service ${e.Service} (${e.Name}): ${state}`);
      if (e.Name) {
        const probe = await lastHealthProbe(shell, e.Name);
        if (probe) parts.push(`  last health probe: ${probe}`);
      }
      if (e.Service) {
        const logs = await shell.run(composeLogsScript(project, e.Service, logLines), {
          timeoutMs: 30_000,
          okCodes: [1],
        });
        const text = `${logs.stdout}${logs.stderr}`.trimEnd();
        parts.push(formatLogTail(text));
      }
    }
    return hostText(parts.join('\n'));
  } catch (e) {
    return `could not read the service state: ${hostText((e as Error).message)}`;
  }
}

/** A container's last health probe (`exit N: output`), if it has a healthcheck. */
export async function lastHealthProbe(shell: RemoteShell, container: string): Promise<string | undefined> {
  const health = await shell.run(healthProbeScript(container), { timeoutMs: 30_000, okCodes: [1] });
  return health.stdout.trim().split('\n').filter(Boolean).slice(-1)[0]?.trim();
}

/** A service's last log lines, indented under the failure they explain. */
export function formatLogTail(text: string): string {
  return text
    ? `  last log lines:\n${text
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}`
    : '  (no log output)';
}
