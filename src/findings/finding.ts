/** A problem found by a check, placed on the file and line that caused it. */
import type { RuleId, Severity } from '../rules/rule.js';

export type { RuleId, Severity };

export interface SourceLocation {
  /** Path relative to the working directory the check ran in (reporters rebase it onto GITHUB_WORKSPACE). */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, when known. */
  column?: number;
  endLine?: number;
}

export interface Finding {
  ruleId: RuleId;
  severity: Severity;
  message: string;
  location?: SourceLocation;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Most severe first, then by file and line, so reports read top-down. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      (a.location?.file ?? '').localeCompare(b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** An input problem that stops a check: reported as one error annotation, never a stack trace. */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly ruleId: RuleId,
    readonly location?: SourceLocation,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }
}
