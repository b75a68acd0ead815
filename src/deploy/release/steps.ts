/** The log a deploy writes to, and the timing of its steps into the summary, with the host and step in any failure. */
import type { HostSummary, RollbackOutcome } from '../summary.js';
import type { Clock } from './poll.js';

export interface DeployLog {
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

/** A step failed on a host; the message has the detail already worded for the user. */
export class HostStepError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostStepError';
  }
}

export class StepTimer {
  constructor(
    private readonly summary: HostSummary,
    private readonly clock: Clock,
  ) {}

  /** Runs one step: times it into the summary, and names the host and step in any failure. */
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.now();
    try {
      return await fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw e instanceof HostStepError ? e : new HostStepError(name, `${this.summary.host}: ${name}: ${msg}`);
    } finally {
      this.summary.steps.push({ step: name, ms: this.clock.now() - start });
    }
  }

  /** Times a step into the summary without rewording its failure (a rollback reports its own outcome). */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.now();
    try {
      return await fn();
    } finally {
      this.summary.steps.push({ step: name, ms: this.clock.now() - start });
    }
  }
}

/** A host's status once its rollback ended, the same for every target. */
export function recordRollback(summary: HostSummary, outcome: RollbackOutcome): void {
  summary.rollback = outcome;
  summary.status =
    outcome.status === 'rolled-back' || outcome.status === 'stopped'
      ? 'rolled-back'
      : outcome.status === 'not-needed'
        ? 'unchanged'
        : 'rollback-failed';
}

/** `host: rollback <status>[ to <version>][: detail]`, logged as a warning when it failed. */
export function logRollback(log: DeployLog, host: string, r: RollbackOutcome): void {
  const line = `${host}: rollback ${r.status}${r.toVersion ? ` to ${r.toVersion}` : ''}${r.detail ? `: ${r.detail}` : ''}`;
  if (r.status === 'failed') log.warning(line);
  else log.info(line);
}
