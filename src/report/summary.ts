import { sortFindings } from '../findings/finding.js';
import { ruleById, ruleHelpUrl } from '../check/catalog.js';
import { formatBytes } from '../util/format.js';
import { countBySeverity, type CheckResult } from '../check/check-result.js';

const ICON = { error: '❌ error', warning: '⚠️ warning', notice: 'ℹ️ notice' } as const;

/** Where `file:line` links point: the file at the commit the check ran on. */
export interface BlobLinks {
  serverUrl: string;
  repository: string;
  sha: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The run's blob links from the runner's variables; undefined outside a run (the summary then shows plain paths). */
export function blobLinksFromEnv(env: Env): BlobLinks | undefined {
  const { GITHUB_SERVER_URL: serverUrl, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  return serverUrl && repository && sha ? { serverUrl: serverUrl.replace(/\/+$/, ''), repository, sha } : undefined;
}

/** `1 warning`, `2 errors`, `0 notices`. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `2 errors, 1 warning, 0 notices`: every count, in severity order. */
export function formatCounts(counts: Record<'error' | 'warning' | 'notice', number>): string {
  return `${countOf(counts.error, 'error')}, ${countOf(counts.warning, 'warning')}, ${countOf(counts.notice, 'notice')}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function blobUrl(links: BlobLinks, file: string, line: number): string {
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return `${links.serverUrl}/${links.repository}/blob/${links.sha}/${encoded}#L${line}`;
}

export interface SummaryOptions {
  /** Link each `file:line` to the file at the commit; plain paths without. */
  links?: BlobLinks;
}

/** The job summary in GitHub-flavoured Markdown: verdict, image facts, then every finding with its fix. */
export function renderSummary(
  result: CheckResult,
  toWorkspacePath: (file: string) => string,
  options: SummaryOptions = {},
): string {
  const counts = countBySeverity(result.findings);
  const verdict = counts.error
    ? '❌ Check failed'
    : counts.warning
      ? '⚠️ Check passed with warnings'
      : '✅ Check passed';
  const out: string[] = [`## deploy-action: ${verdict}`, ''];
  out.push(`${formatCounts(counts)} in ${(result.durationMs / 1000).toFixed(1)} s.`, '');
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
    out.push('### Findings', '', '| Severity | Rule | Where | Finding and fix |', '|---|---|---|---|');
    for (const f of sortFindings(result.findings)) {
      const rule = ruleById(f.ruleId);
      let where = '';
      if (f.location) {
        const file = toWorkspacePath(f.location.file);
        const text = `\`${cell(file)}:${f.location.line}\``;
        where = options.links ? `[${text}](${blobUrl(options.links, file, f.location.line)})` : text;
      }
      const fix = rule ? `<br>**Fix:** ${cell(rule.fix)}` : '';
      out.push(
        `| ${ICON[f.severity]} | [${f.ruleId}](${ruleHelpUrl(f.ruleId)}) ${rule?.name ?? ''} | ${where} | ${cell(f.message)}${fix} |`,
      );
    }
  } else {
    out.push('No findings.');
  }
  out.push('');
  return out.join('\n');
}
