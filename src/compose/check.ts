import { isAbsolute, relative, resolve } from 'node:path';
import { sortFindings, type Finding, type Severity } from '../findings/finding.js';
import { type ImageLists, loadRuleSettings } from '../findings/suppressions.js';
import { COMPOSE_INPUT_RULES } from '../rules/compose-input-rules.js';
import { type ComposeRuleId, RULE_IDS } from '../rules/rule-ids.js';
import { dotenvPath } from './dotenv.js';
import { GitRepo } from './git.js';
import type { Issue } from './issues.js';
import { loadCompose } from './load.js';
import type { ComposeModel } from './model.js';
import { buildModel } from './normalize.js';
import type { RuleContext } from './rules/context.js';
import { PROD_RULES } from './rules/prod-rules.js';

export interface CheckComposeOptions {
  /** Working directory; relative paths here and in findings are relative to it. */
  cwd: string;
  /** No file outside it is read (default: the workspace or git checkout around cwd). */
  repositoryRoot?: string;
  /** The prod compose files in `-f` order (base first, then overrides). The dev override is not held to these rules. */
  files: string[];
  /** The process environment for interpolation (wins over the project `.env`). */
  env: Record<string, string | undefined>;
  /** The image's build context (for keeping secret files out of it), relative to cwd or absolute. */
  buildContext?: string;
  /** The Dockerfile (for `<Dockerfile>.dockerignore`), relative to cwd or absolute. */
  dockerfile?: string;
  /**
   * The settings file (`stateful:` / `stateless:` images), relative to cwd or absolute; the action's default
   * `.github/deploy-action.yml` when not given. Its other keys and its errors are the check's (run-check.ts).
   */
  settingsFile?: string;
}

export interface CheckComposeResult {
  findings: Finding[];
  /** Undefined when the files could not be read or merged (the findings say why). */
  model: ComposeModel | undefined;
}

/** The severity of every Compose rule: the loader's input errors and the prod rules. */
const SEVERITY = new Map<ComposeRuleId, Severity>(
  [...COMPOSE_INPUT_RULES, ...PROD_RULES.map((r) => r.meta)].map((r) => [r.id, r.severity]),
);

/** Loads and merges the prod compose files like Docker Compose and holds the result to the prod rules. */
export async function checkCompose(opts: CheckComposeOptions): Promise<CheckComposeResult> {
  const cwd = resolve(opts.cwd);
  const issues: Issue[] = [];
  let model: ComposeModel | undefined;
  try {
    const load = await loadCompose({
      cwd,
      files: opts.files,
      env: opts.env,
      ...(opts.repositoryRoot ? { repositoryRoot: opts.repositoryRoot } : {}),
    });
    issues.push(...load.issues);
    model = buildModel(load, issues);
    if (model) {
      const abs = (p: string | undefined): string | undefined =>
        p === undefined ? undefined : isAbsolute(p) ? p : resolve(cwd, p);
      const ctx: RuleContext = {
        model,
        cwd,
        buildContexts: opts.buildContext ? [abs(opts.buildContext)!] : [],
        git: await GitRepo.find(model.projectDir),
        images: await imageLists(abs(opts.settingsFile ?? DEFAULT_SETTINGS_FILE)!, model.repositoryRoot),
      };
      if (ctx.git) {
        const paths = [
          ...Object.values(model.secrets).flatMap((s) => (s.resolvedFile ? [s.resolvedFile] : [])),
          ...model.services.flatMap((s) => s.envFiles.map((f) => f.resolvedPath)),
          ...[model.projectDir, ctx.git.root].map((d) => dotenvPath(resolve(d))),
        ];
        await ctx.git.prefetch(paths);
      }
      const dockerfile = abs(opts.dockerfile);
      if (dockerfile) ctx.dockerfile = dockerfile;
      for (const rule of PROD_RULES) {
        // The rule's own id goes on each finding: a check cannot raise another rule.
        await rule.check(ctx, (message, origin) => issues.push({ ruleId: rule.meta.id, message, origin }));
      }
    }
  } catch (e) {
    // A bug of ours must not become a stack trace in the job log; report it as one clear error.
    issues.push({
      ruleId: 'DA-CMP-010',
      message: `the compose check failed on this input: ${(e as Error).message ?? String(e)}`,
    });
  }
  return { findings: toFindings(dedupe(issues), cwd, opts.files[0]), model };
}

const DEFAULT_SETTINGS_FILE = '.github/deploy-action.yml';

async function imageLists(file: string, root: string): Promise<ImageLists> {
  return (await loadRuleSettings(file, relative(root, file), new Set<string>(RULE_IDS), root)).images;
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.ruleId}|${i.message}|${i.origin?.file}|${i.origin?.line}|${i.origin?.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function toFindings(issues: Issue[], cwd: string, firstFile: string | undefined): Finding[] {
  return sortFindings(
    issues.map((i) => {
      const f: Finding = { ruleId: i.ruleId, severity: SEVERITY.get(i.ruleId)!, message: i.message };
      if (i.origin) f.location = { file: relative(cwd, i.origin.file), line: i.origin.line, column: i.origin.column };
      else if (firstFile) f.location = { file: relative(cwd, resolve(cwd, firstFile)), line: 1 };
      return f;
    }),
  );
}
