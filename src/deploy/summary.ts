/** What a deploy did, per host: the value behind the outputs, the log lines and the job summary. */
import { formatBytes } from '../util/format.js';
import { hostText, hostWord } from '../util/host-text.js';

export interface StepTiming {
  step: string;
  ms: number;
}

export type HostStatus = 'pending' | 'deployed' | 'failed' | 'rolled-back' | 'rollback-failed' | 'unchanged';

export interface RollbackOutcome {
  /** `rolled-back`: the previous release runs again; `stopped`: there was none, the new one was stopped;
   *  `not-needed`: `current` never moved on this host; `failed`: see detail. */
  status: 'rolled-back' | 'stopped' | 'not-needed' | 'failed';
  detail?: string;
  toVersion?: string;
}

export interface HostSummary {
  host: string;
  status: HostStatus;
  previousVersion?: string;
  /** How the image got there: `loaded` (streamed over SSH), `pulled`, `already-present`. */
  imageDelivery?: string;
  /** The release directory on the host (`releases/<release>`), once staged. */
  release?: string;
  /** Image delivery's bytes: compressed bytes sent into the channel, and the image's size. */
  imageBytesSent?: number;
  imageSize?: number;
  steps: StepTiming[];
  error?: string;
  rollback?: RollbackOutcome;
  /** What this deploy changed against the release live on the host, names only (compose target). */
  changes?: string[];
}

export interface DeploySummary {
  ok: boolean;
  /** `rollback` for `mode: rollback` (the summary's title says so). */
  mode?: 'deploy' | 'rollback';
  version: string;
  previousVersion?: string;
  imageId?: string;
  imageDigest?: string;
  imageRefs: string[];
  hosts: HostSummary[];
  /** Hosts that run the new version at the end. */
  deployedHosts: string[];
  error?: string;
  elapsedMs: number;
  /** When the deploy finished, ISO 8601 (UTC). */
  finishedAt?: string;
  /** Input `url`, passed through for `environment.url`. */
  url?: string;
}

export class DeployFailedError extends Error {
  constructor(
    message: string,
    readonly summary: DeploySummary,
  ) {
    super(message);
    this.name = 'DeployFailedError';
  }
}

export type DeployOutputName =
  | 'version'
  | 'previous-version'
  | 'deployed-hosts'
  | 'release'
  | 'deployed-at'
  | 'url'
  | 'image-digest';

/** A rollback that could not go back: the host runs the release it ran before, again, and counts as failed. */
export function recordSwitchedBack(h: HostSummary, version: string): void {
  delete h.release;
  h.status = 'failed';
  h.rollback = { status: 'failed', detail: `switched back to ${version}`, toVersion: version };
}

export function deployOutputs(s: DeploySummary): Record<DeployOutputName, string> {
  // One line per distinct release name: hosts that already held the version get a suffixed directory of their own.
  const releases = [...new Set(s.hosts.filter((h) => h.release).map((h) => h.release as string))];
  return {
    version: s.version,
    'previous-version': s.previousVersion ?? '',
    'deployed-hosts': s.deployedHosts.join('\n'),
    release: s.ok ? releases.join('\n') : '',
    'deployed-at': s.ok ? (s.finishedAt ?? '') : '',
    url: s.url ?? '',
    'image-digest': s.imageDigest ?? '',
  };
}

/** `image-bytes-sent`: compressed image bytes sent over SSH to all hosts together (0 when none streamed). */
export function imageOutputs(s: DeploySummary): Record<'image-bytes-sent', string> {
  return { 'image-bytes-sent': String(s.hosts.reduce((n, h) => n + (h.imageBytesSent ?? 0), 0)) };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Markdown for the job summary. */
export function formatDeploySummary(s: DeploySummary): string {
  const out: string[] = [];
  out.push(
    `## ${s.mode === 'rollback' ? 'Rollback' : 'Deploy'} ${s.ok ? 'succeeded' : 'failed'}: ${s.version || '(none)'}`,
    '',
  );
  out.push(`- previous version: ${s.previousVersion ?? '(none)'}`);
  // A rollback ships no image: each host runs the one its previous release names.
  if (s.imageRefs.length) {
    out.push(
      `- image: ${s.imageRefs.join(', ')}${s.imageId ? ` (${s.imageId}${s.imageDigest ? `, ${s.imageDigest}` : ''})` : ''}`,
    );
  }
  const sent = s.hosts.filter((h) => h.imageBytesSent !== undefined);
  if (sent.length) {
    const size = sent.find((h) => h.imageSize !== undefined)?.imageSize;
    out.push(
      `- image bytes sent${size !== undefined ? ` (image ${formatBytes(size)})` : ''}: ${sent.map((h) => `${h.host} ${formatBytes(h.imageBytesSent!)}`).join(', ')}`,
    );
  }
  out.push(`- elapsed: ${seconds(s.elapsedMs)}`);
  if (s.url) out.push(`- url: ${hostText(s.url)}`);
  if (s.error) out.push('', '```', hostText(s.error).replace(/```/g, "'''"), '```');
  out.push('', '| host | status | previous | rollback | steps |', '| --- | --- | --- | --- | --- |');
  for (const h of s.hosts) {
    const rb = h.rollback
      ? hostText(
          `${h.rollback.status}${h.rollback.toVersion ? ` → ${h.rollback.toVersion}` : ''}${h.rollback.detail ? `: ${h.rollback.detail}` : ''}`,
        )
      : '';
    const steps = h.steps.map((t) => `${t.step} ${seconds(t.ms)}`).join(', ');
    out.push(
      `| ${h.host} | ${h.status} | ${hostWord(h.previousVersion ?? '')} | ${rb.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | ${steps} |`,
    );
  }
  const changed = s.hosts.filter((h) => h.changes?.length);
  if (changed.length) {
    out.push('', '### Changes against the live release (names only)', '');
    for (const h of changed) out.push(`- ${h.host}: ${h.changes!.map(hostWord).join('; ')}`);
  }
  return `${out.join('\n')}\n`;
}
