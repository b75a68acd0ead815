import { sortFindings } from '../findings/finding.js';
import { ruleById, ruleHelpUrl } from '../check/catalog.js';
import { formatBytes } from '../util/format.js';
import { countBySeverity, type CheckResult } from '../check/check-result.js';

const ICON = { error: '❌ error', warning: '⚠️ warning', notice: 'ℹ️ notice' } as const;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** The job summary in GitHub-flavoured Markdown: verdict, image facts, then every finding. */
export function renderSummary(result: CheckResult, toWorkspacePath: (file: string) => string): string {
  const counts = countBySeverity(result.findings);
  const verdict = counts.error
    ? '❌ Check failed'
    : counts.warning
      ? '⚠️ Check passed with warnings'
      : '✅ Check passed';
  const out: string[] = [`## deploy-action: ${verdict}`, ''];
  out.push(
    `${counts.error} errors, ${counts.warning} warnings, ${counts.notice} notices in ${(result.durationMs / 1000).toFixed(1)} s.`,
    '',
  );
  if (result.image) {
    const img = result.image;
    out.push('### Image', '', '| | |', '|---|---|');
    out.push(`| Target stage | \`${cell(img.target)}\` |`);
    out.push(`| Image ID | \`${img.imageId}\` |`);
    out.push(`| Size | ${formatBytes(img.sizeBytes)} |`);
    out.push(`| Layers | ${img.layerCount} |`);
    out.push(
      `| Runtime user | \`${cell(img.runtimeUser)}\` (USER \`${cell(img.configuredUser || '(none: root)')}\`) |`,
    );
    out.push(`| Built with | ${img.builder} |`, '');
  }
  if (result.findings.length) {
    out.push('### Findings', '', '| Severity | Rule | Where | Message |', '|---|---|---|---|');
    for (const f of sortFindings(result.findings)) {
      const rule = ruleById(f.ruleId);
      const where = f.location ? `\`${cell(toWorkspacePath(f.location.file))}:${f.location.line}\`` : '';
      out.push(
        `| ${ICON[f.severity]} | [${f.ruleId}](${ruleHelpUrl(f.ruleId)}) ${rule?.name ?? ''} | ${where} | ${cell(f.message)} |`,
      );
    }
  } else {
    out.push('No findings.');
  }
  out.push('');
  return out.join('\n');
}
