/** Why `up --wait` failed: the services that are not running or not healthy, their last log lines and health probes. */
import { composeArgs, shQuote } from './remote-script.js';
import type { SshSession } from './ssh/session.js';

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

export async function describeFailure(session: SshSession, project: string, logLines = 20): Promise<string> {
  try {
    const ps = await session.exec(`${composeArgs(project, [])} ps -a --format json`, {
      label: 'docker compose ps',
      timeoutMs: 60_000,
    });
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
        const health = await session.exec(
          `docker inspect --format '{{if .State.Health}}{{range .State.Health.Log}}exit {{.ExitCode}}: {{.Output}}{{"\\n"}}{{end}}{{end}}' ${shQuote(e.Name)}`,
          { label: 'docker inspect', timeoutMs: 30_000, okCodes: [1] },
        );
        const last = health.stdout.trim().split('\n').filter(Boolean).slice(-1)[0];
        if (last) parts.push(`  last health probe: ${last.trim()}`);
      }
      if (e.Service) {
        const logs = await session.exec(
          `${composeArgs(project, [])} logs --no-color --no-log-prefix --tail ${logLines} ${shQuote(e.Service)}`,
          {
            label: 'docker compose logs',
            timeoutMs: 30_000,
            okCodes: [1],
          },
        );
        const text = `${logs.stdout}${logs.stderr}`.trimEnd();
        parts.push(formatLogTail(text));
      }
    }
    return parts.join('\n');
  } catch (e) {
    return `could not read the service state: ${(e as Error).message}`;
  }
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
