import { sortFindings } from '../findings/finding.js';
import { ruleHelpUrl } from '../check/catalog.js';
import { countBySeverity, type CheckResult } from '../check/check-result.js';

/** The machine-readable report (output `report`): stable field names, paths relative to GITHUB_WORKSPACE. */
export function renderJsonReport(result: CheckResult, toWorkspacePath: (file: string) => string): string {
  return JSON.stringify(
    {
      tool: 'deploy-action',
      counts: countBySeverity(result.findings),
      image: result.image ?? null,
      findings: sortFindings(result.findings).map((f) => ({
        rule: f.ruleId,
        severity: f.severity,
        message: f.message,
        file: f.location ? toWorkspacePath(f.location.file) : null,
        line: f.location?.line ?? null,
        column: f.location?.column ?? null,
        help: ruleHelpUrl(f.ruleId),
      })),
    },
    null,
    2,
  );
}

/**
 * The report's file name, unique per step: two checks in one job (or a matrix sharing a runner temp) must not
 * overwrite each other's report. GITHUB_ACTION is the step's id (`__run_2`-style when it has none), unique in a job;
 * outside a run a random suffix stands in.
 */
export function reportFileName(env: Readonly<Record<string, string | undefined>>, random: () => string): string {
  const slug = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 80);
  const parts = [env.GITHUB_JOB, env.GITHUB_ACTION].filter((p): p is string => Boolean(p)).map(slug);
  return `deploy-action-report-${parts.length === 2 ? parts.join('-') : [...parts, random()].join('-')}.json`;
}
