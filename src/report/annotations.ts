import type { Finding, Severity } from '../findings/finding.js';
import { sortFindings } from '../findings/finding.js';
import { ruleById, ruleHelpUrl, ruleTitle } from '../check/catalog.js';

/** GitHub keeps at most this many annotations of each kind per step and drops the rest silently. */
export const ANNOTATION_LIMIT = 10;

export interface Annotation {
  severity: Severity;
  message: string;
  title: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/**
 * The annotations to emit, most severe first, at most ten of each kind; the last slot of a full kind says how many
 * more the job summary lists. `toWorkspacePath` rebases finding paths onto GITHUB_WORKSPACE.
 */
export function planAnnotations(findings: readonly Finding[], toWorkspacePath: (file: string) => string): Annotation[] {
  const out: Annotation[] = [];
  const bySeverity = new Map<Severity, Finding[]>();
  for (const f of sortFindings(findings)) bySeverity.set(f.severity, [...(bySeverity.get(f.severity) ?? []), f]);
  for (const [severity, list] of bySeverity) {
    const overflow = list.length > ANNOTATION_LIMIT;
    const shown = overflow ? list.slice(0, ANNOTATION_LIMIT - 1) : list;
    for (const f of shown) {
      const rule = ruleById(f.ruleId);
      out.push({
        severity,
        title: ruleTitle(f.ruleId),
        message: `${f.message}\n${rule ? `${rule.fix} ` : ''}(${ruleHelpUrl(f.ruleId)})`,
        ...(f.location
          ? {
              file: toWorkspacePath(f.location.file),
              startLine: f.location.line,
              ...(f.location.column ? { startColumn: f.location.column } : {}),
            }
          : {}),
      });
    }
    if (overflow) {
      out.push({
        severity,
        title: `${list.length - shown.length} more ${severity}s`,
        message: `${list.length - shown.length} more ${severity} findings are listed in the job summary (GitHub shows ${ANNOTATION_LIMIT} per kind).`,
      });
    }
  }
  return out;
}
