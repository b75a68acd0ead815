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
