export interface ExpectedFinding {
  rule: string;
  file: string;
  line: number;
  severity?: 'error' | 'warning' | 'notice';
  /** A text that must be in the message. */
  message?: string;
  /** Needs the build and image proofs (checked only when the fixture is built). */
  image?: boolean;
  /** A text finding an image proof at the same line replaces (checked only when not built). */
  superseded?: boolean;
}
export interface Expected {
  modelledOn: string;
  inputs?: Record<string, string>;
  /** A clean setup: no error-severity finding. */
  clean?: boolean;
  /** The image proofs matter here: the check-patterns suite builds it. */
  build?: boolean;
  /** Issue 11 patterns this fixture proves. */
  patterns?: number[];
  present?: ExpectedFinding[];
  /** Traps: a finding of this rule (at this file, and line when given) must not appear. */
  absent?: Array<{ rule: string; file?: string; line?: number; message?: string; image?: boolean }>;
  /** Upper bound for the CLI run, for the large-file cases. */
  maxMs?: number;
}
export interface ReportFinding {
  rule: string;
  severity: 'error' | 'warning' | 'notice';
  message: string;
  file: string | null;
  line: number | null;
  column: number | null;
}
export const FIXTURE_ROOT: string;
export function loadFixtures(): Array<{ name: string; expected: Expected }>;
export function mismatches(
  expected: Expected,
  findings: Array<
    Pick<ReportFinding, 'rule' | 'severity' | 'message'> & { file?: string | null; line?: number | null }
  >,
  built: boolean,
): string[];
export function checkoutOf(name: string): Promise<string>;
export function runCli(
  dir: string,
  inputs?: Record<string, string>,
  options?: { build?: boolean },
): Promise<{
  code: number;
  ms: number;
  report: { findings: ReportFinding[] } | undefined;
  stdout: string;
  stderr: string;
}>;
