// Pure renderers for the generated docs: README tables from action.yml, docs/rules.md from the rule catalog.
import { parse } from 'yaml';
import type { Rule } from '../../src/rules/rule.js';

interface ActionInput {
  description?: string;
  required?: boolean | string;
  default?: string | number | boolean;
  deprecationMessage?: string;
}

interface ActionManifest {
  inputs?: Record<string, ActionInput | null>;
  outputs?: Record<string, { description?: string } | null>;
}

/** A Markdown table cell: no line breaks, no bare pipes. */
function cell(text: string): string {
  return text
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

function code(text: string): string {
  // A backtick inside the value needs a longer fence.
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

export function parseActionManifest(actionYml: string): ActionManifest {
  const manifest = parse(actionYml) as ActionManifest | null;
  if (!manifest || typeof manifest !== 'object') throw new Error('action.yml is not a mapping');
  return manifest;
}

/** The inputs table, in action.yml order. */
export function renderInputsTable(actionYml: string): string {
  const { inputs = {} } = parseActionManifest(actionYml);
  const rows = Object.entries(inputs).map(([name, input]) => {
    const required = input?.required === true || input?.required === 'true' ? 'yes' : 'no';
    const def = input?.default === undefined || input.default === '' ? '' : code(String(input.default));
    const deprecated = input?.deprecationMessage ? ` **Deprecated:** ${input.deprecationMessage}` : '';
    return `| \`${name}\` | ${required} | ${cell(def)} | ${cell(`${input?.description ?? ''}${deprecated}`)} |`;
  });
  return ['| Input | Required | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

/** The outputs table, in action.yml order. */
export function renderOutputsTable(actionYml: string): string {
  const { outputs = {} } = parseActionManifest(actionYml);
  const rows = Object.entries(outputs).map(([name, output]) => `| \`${name}\` | ${cell(output?.description ?? '')} |`);
  return ['| Output | Description |', '|---|---|', ...rows].join('\n');
}

/** Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->`; both markers must be there once. */
export function replaceBetweenMarkers(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0 || to < from || text.indexOf(start, from + 1) >= 0 || text.indexOf(end, to + 1) >= 0) {
    throw new Error(`README.md must contain '${start}' followed by '${end}', once each`);
  }
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** The README with its inputs and outputs tables regenerated from action.yml. */
export function renderReadme(readme: string, actionYml: string): string {
  const withInputs = replaceBetweenMarkers(readme, 'inputs', renderInputsTable(actionYml));
  return replaceBetweenMarkers(withInputs, 'outputs', renderOutputsTable(actionYml));
}

/** GitHub's heading anchor: lower-cased, punctuation other than `-` and `_` dropped, spaces turned into `-`. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/**
 * docs/rules.md: an index, then one section per rule whose heading is the bare id, so its anchor is the lower-cased id
 * that annotations and SARIF link to (`ruleHelpUrl`).
 */
export function renderRulesDoc(rules: readonly Rule[]): string {
  const out: string[] = [
    '# Rules',
    '',
    '<!-- Generated from the rule catalog (src/check/catalog.ts) by `npm run docs`; edit the rules, not this file. -->',
    '',
    'Every finding of deploy-action names one of these rules. Annotations and SARIF results link to the section of',
    'their rule here.',
    '',
    '## Ignoring a rule',
    '',
    'Inline, for one finding: a comment on the reported line or on the line above it, with the reason after the id',
    '(several ids are separated by commas). An ignore without a reason still silences the finding, but raises',
    '[DA-CFG-001](#da-cfg-001).',
    '',
    '```yaml',
    '    volumes:',
    '      # deploy-action ignore=DA-CMP-020 the host log collector reads this directory',
    '      - /var/log/app:/app/logs',
    '```',
    '',
    'For the whole project, in `.github/deploy-action.yml` (input `config-file`): `off` drops the rule, a severity',
    're-rates it.',
    '',
    '```yaml',
    'rules:',
    '  DA-CMP-023: off',
    '  DA-CMP-036: notice',
    '```',
    '',
    'Findings that are not placed on a line (for example a failed build) can only be switched off in the settings file.',
    '',
    '## Index',
    '',
    '| Rule | Name | Severity | Area | Summary |',
    '|---|---|---|---|---|',
  ];
  for (const r of rules) {
    out.push(`| [${r.id}](#${githubSlug(r.id)}) | ${r.name} | ${r.severity} | ${r.area} | ${cell(r.summary)} |`);
  }
  for (const r of rules) {
    out.push(
      '',
      `## ${r.id}`,
      '',
      `**${r.name}** · severity: **${r.severity}** · area: ${r.area}`,
      '',
      r.summary,
      '',
      `**Why:** ${r.rationale}`,
      '',
      `**Fix:** ${r.fix}`,
    );
    if (r.supersedes?.length) {
      const replaced = r.supersedes.map((id) => `[${id}](#${githubSlug(id)})`).join(', ');
      out.push(
        '',
        `**Replaces:** ${replaced} at the same line (the proof from the built image outranks the Dockerfile text).`,
      );
    }
    out.push(
      '',
      `**Ignore:** inline \`# deploy-action ignore=${r.id} reason\`, or in \`.github/deploy-action.yml\`:`,
      `\`rules: { ${r.id}: off }\` (or \`error\`, \`warning\`, \`notice\` to re-rate it).`,
    );
  }
  out.push('');
  return out.join('\n');
}
