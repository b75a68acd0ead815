import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Scalar } from 'yaml';
import { findingOf } from './make.js';
import type { Finding, Severity } from './finding.js';
import { INPUT_RULES } from '../rules/input-rules.js';
import { ruleIn } from '../rules/rule.js';
import { ReadTextError, readTextFile } from '../util/read-text.js';

const IGNORE_WITHOUT_REASON = ruleIn(INPUT_RULES, 'DA-CFG-001');
const INVALID_CONFIG = ruleIn(INPUT_RULES, 'DA-CFG-002');
const UNSAFE_FILE = ruleIn(INPUT_RULES, 'DA-INP-008');

/** `rules:` of `.github/deploy-action.yml`: `off` drops a rule, a severity re-rates it. */
export type RuleSettings = Map<string, Severity | 'off'>;

const SETTINGS = new Set(['off', 'error', 'warning', 'notice']);

/** `stateful:` / `stateless:` of the settings file: image repositories the stateful-service rule adds or drops. */
export interface ImageLists {
  stateful: string[];
  stateless: string[];
}
const IMAGE_LISTS = new Set(['stateful', 'stateless']);

export async function loadRuleSettings(
  file: string,
  label: string,
  knownRules: ReadonlySet<string>,
  root: string,
): Promise<{ settings: RuleSettings; findings: Finding[]; images: ImageLists }> {
  const settings: RuleSettings = new Map();
  const findings: Finding[] = [];
  const images: ImageLists = { stateful: [], stateless: [] };
  let text: string;
  try {
    text = await readTextFile(file, { root, label });
  } catch (e) {
    if (e instanceof ReadTextError && e.problem !== 'missing')
      findings.push(findingOf(UNSAFE_FILE, e.message, { file: label, line: 1 }));
    return { settings, findings, images }; // The settings file is optional.
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lines.linePos(offset).line);
  const bad = (message: string, offset?: number) =>
    findings.push(findingOf(INVALID_CONFIG, message, { file: label, line: lineOf(offset) }));
  if (doc.errors.length) {
    for (const e of doc.errors) bad(`${label}: ${e.message.split('\n')[0]}`, e.pos[0]);
    return { settings, findings, images };
  }
  if (doc.contents === null) return { settings, findings, images };
  if (!isMap(doc.contents)) {
    bad(`${label} must be a mapping with a 'rules' key.`, doc.contents.range?.[0]);
    return { settings, findings, images };
  }
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (IMAGE_LISTS.has(key)) {
      const list = isSeq(pair.value) ? pair.value.items : undefined;
      if (!list?.every((i) => isScalar(i) && typeof i.value === 'string'))
        bad(
          `'${key}' must be a list of image repositories (e.g. bitnami/postgresql).`,
          (pair.key as Scalar).range?.[0],
        );
      else images[key as keyof ImageLists].push(...list.map((i) => String((i as Scalar).value)));
      continue;
    }
    if (key !== 'rules') {
      bad(
        `Unknown key '${key}' in ${label}; only 'rules', 'stateful' and 'stateless' are read.`,
        isScalar(pair.key) ? pair.key.range?.[0] : undefined,
      );
      continue;
    }
    if (!isMap(pair.value)) {
      bad(
        `'rules' must map rule ids to off, error, warning or notice.`,
        isScalar(pair.key) ? pair.key.range?.[0] : undefined,
      );
      continue;
    }
    for (const rule of pair.value.items) {
      const id = isScalar(rule.key) ? String(rule.key.value) : '';
      const value = isScalar(rule.value) ? String(rule.value.value === false ? 'off' : rule.value.value) : '';
      const offset = isScalar(rule.key) ? rule.key.range?.[0] : undefined;
      if (!knownRules.has(id)) bad(`Unknown rule '${id}' in ${label}.`, offset);
      else if (!SETTINGS.has(value)) bad(`Rule ${id}: '${value}' is not one of off, error, warning, notice.`, offset);
      else settings.set(id, value as Severity | 'off');
    }
  }
  return { settings, findings, images };
}

const IGNORE_COMMENT = /#\s*deploy-action\s+ignore=([A-Za-z0-9,-]+)(.*)$/;

/**
 * Drops findings silenced by `# deploy-action ignore=RULE reason` on their line or the line above, and applies the
 * settings file. An ignore without a reason still silences, but is reported so reviewers see it.
 */
export async function applySuppressions(
  findings: readonly Finding[],
  settings: RuleSettings,
  workingDirectory: string,
  root: string,
): Promise<Finding[]> {
  const fileLines = new Map<string, string[] | undefined>();
  const linesOf = async (file: string) => {
    if (!fileLines.has(file)) {
      fileLines.set(
        file,
        await readTextFile(path.resolve(workingDirectory, file), { root }).then(
          (t) => t.split(/\r?\n/),
          () => undefined,
        ),
      );
    }
    return fileLines.get(file);
  };
  const kept: Finding[] = [];
  const reasonless = new Map<string, Finding>();
  for (const finding of findings) {
    const setting = settings.get(finding.ruleId);
    if (setting === 'off') continue;
    const rated = setting ? { ...finding, severity: setting } : finding;
    const loc = finding.location;
    let ignored = false;
    if (loc) {
      const lines = await linesOf(loc.file);
      for (const lineNo of [loc.line, loc.line - 1]) {
        const text = lines?.[lineNo - 1] ?? '';
        // The line above counts only as a comment line of its own, not as the trailing comment of other code.
        if (lineNo !== loc.line && !text.trimStart().startsWith('#')) continue;
        const m = IGNORE_COMMENT.exec(text);
        if (!m || !m[1]!.split(',').includes(finding.ruleId)) continue;
        ignored = true;
        if (!m[2]!.trim()) {
          const key = `${loc.file}:${lineNo}`;
          reasonless.set(
            key,
            findingOf(IGNORE_WITHOUT_REASON, `The ignore of ${m[1]} at this line gives no reason.`, {
              file: loc.file,
              line: lineNo,
            }),
          );
        }
      }
    }
    if (!ignored) kept.push(rated);
  }
  return [...kept, ...reasonless.values()];
}
