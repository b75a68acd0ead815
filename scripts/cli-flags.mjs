#!/usr/bin/env node
/**
 * Generates src/cli-flags.generated.ts from action.yml, so the CLI's flags are the action's check inputs with no
 * second list to keep in step. `npm run package` regenerates it; `npm run lint` runs this with `--check` and fails
 * when the committed file is stale.
 *
 * action.yml groups its inputs under section comments; the first word of each decides what an input is:
 * `# Check ...` inputs are flags of `deploy-action check`, `# Deploy ...` inputs are deploy mode only, and
 * `# GitHub ...` inputs (the mode, PR comment, job summary, token) mean nothing outside a workflow run. An input under
 * any other comment fails the generator, so a new section cannot be misfiled silently.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GENERATED_PATH = 'src/cli-flags.generated.ts';

const SECTIONS = { Check: 'check', Deploy: 'deploy', GitHub: 'github' };

/** Each input of action.yml with its section, description, default and whether it is a `true`/`false` switch. */
export function readInputs(actionYml) {
  const doc = parseDocument(actionYml);
  if (doc.errors.length) throw new Error(`action.yml: ${doc.errors[0].message}`);
  const inputs = doc.get('inputs');
  if (!inputs?.items) throw new Error('action.yml has no inputs mapping');
  let section;
  return inputs.items.map((pair, i) => {
    // The first key's comment belongs to the mapping itself in the yaml AST.
    const comment = (i === 0 ? inputs.commentBefore : pair.key.commentBefore)?.trim();
    const name = String(pair.key.value);
    if (comment) {
      const word = comment.split(/\s/)[0];
      section = SECTIONS[word];
      if (!section)
        throw new Error(`action.yml: input '${name}' is under '# ${comment}', not a Check/Deploy/GitHub section`);
    }
    if (!section)
      throw new Error(`action.yml: input '${name}' is under no section comment (# Check, # Deploy, # GitHub)`);
    const value = pair.value?.toJSON() ?? {};
    const def = value.default === undefined ? '' : String(value.default);
    return {
      name,
      section,
      description: String(value.description ?? '').trim(),
      // A workflow expression has no value outside a run.
      default: def.includes('${{') ? '' : def,
      boolean: def === 'true' || def === 'false',
    };
  });
}

/** The generated module's text. */
export function renderFlagsModule(actionYml) {
  const inputs = readInputs(actionYml);
  const flags = inputs
    .filter((i) => i.section === 'check')
    .map(({ name, description, default: def, boolean }) => ({ name, description, default: def, boolean }));
  const names = (section) => inputs.filter((i) => i.section === section).map((i) => i.name);
  return `// Generated from action.yml by scripts/cli-flags.mjs: do not edit. \`npm run package\` regenerates it; lint fails when stale.

export interface CliFlag {
  /** The action input, and the flag without its \`--\`. */
  name: string;
  description: string;
  /** action.yml's default, as the runner would pass it. */
  default: string;
  /** A \`true\`/\`false\` input: given as \`--name\` or \`--no-name\`, with no value. */
  boolean: boolean;
}

/** Every check input of action.yml, in its order. */
export const CHECK_FLAGS: readonly CliFlag[] = ${JSON.stringify(flags, null, 2)};

/** Deploy mode's inputs: not flags, since the CLI checks and never deploys. */
export const DEPLOY_INPUTS: readonly string[] = ${JSON.stringify(names('deploy'))};

/** Inputs that mean something only in a workflow run (mode, PR comment, job summary, token). */
export const GITHUB_ONLY_INPUTS: readonly string[] = ${JSON.stringify(names('github'))};
`;
}

function main(args) {
  const text = renderFlagsModule(readFileSync(`${ROOT}/action.yml`, 'utf8'));
  const target = `${ROOT}/${GENERATED_PATH}`;
  if (args.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== text) {
      process.stderr.write(`${GENERATED_PATH} is stale: action.yml changed. Run 'node scripts/cli-flags.mjs'.\n`);
      return 1;
    }
    return 0;
  }
  writeFileSync(target, text);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
