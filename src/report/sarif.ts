import type { Severity } from '../findings/finding.js';
import { ALL_RULES, ruleHelpUrl } from '../check/catalog.js';
import { securitySeverity } from './security-severity.js';
import type { CheckResult } from '../check/check-result.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', notice: 'note' };

/**
 * SARIF 2.1.0 as GitHub code scanning accepts it: every rule with help text, repository-relative URIs and regions.
 * Findings without a file are placed on the Dockerfile, since code scanning drops results with no location. Each
 * weakness rule carries its `security-severity` (security-severity.ts).
 */
export function renderSarif(result: CheckResult, toWorkspacePath: (file: string) => string, version: string): string {
  const rules = ALL_RULES.map((r) => {
    const score = securitySeverity(r);
    return {
      id: r.id,
      name: r.name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
      shortDescription: { text: r.summary },
      fullDescription: { text: `${r.summary} ${r.rationale}` },
      help: { text: `${r.rationale}\nFix: ${r.fix}`, markdown: `${r.rationale}\n\n**Fix:** ${r.fix}` },
      helpUri: ruleHelpUrl(r.id),
      defaultConfiguration: { level: LEVEL[r.severity] },
      // Code scanning ranks alerts Critical/High/Medium/Low by `security-severity`, and only with the `security` tag.
      properties: score ? { tags: ['security', r.area], 'security-severity': score } : { tags: [r.area] },
    };
  });
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = result.findings.map((f) => {
    const file = toWorkspacePath(f.location?.file ?? result.dockerfile);
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? 0,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: file, uriBaseId: '%SRCROOT%' },
            region: {
              startLine: f.location?.line ?? 1,
              ...(f.location?.column ? { startColumn: f.location.column } : {}),
            },
          },
        },
      ],
    };
  });
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'deploy-action',
              version,
              informationUri: 'https://github.com/doongzi/deploy-action',
              rules,
            },
          },
          results,
        },
      ],
    },
    null,
    2,
  );
}
