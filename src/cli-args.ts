/**
 * The CLI's arguments: its own options, then one flag per check input of action.yml (src/cli-flags.generated.ts),
 * so `deploy-action check --<input>` accepts exactly what the action does. Unknown flags are refused here with one
 * clear message, before Node's parser could print its own.
 */
import { parseArgs } from 'node:util';
import { CHECK_FLAGS, type CliFlag, DEPLOY_INPUTS, GITHUB_ONLY_INPUTS } from './cli-flags.generated.js';

export type Format = 'text' | 'json' | 'sarif';

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string }
  | { kind: 'check'; dir: string; format: Format; output: string | undefined; inputs: Record<string, string> };

const OWN_OPTIONS = {
  dir: { type: 'string', default: '.' },
  format: { type: 'string', default: 'text' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** The flag names a check input is given by: `--name VALUE`, or `--name` / `--no-name` for a switch. */
function flagNames(flag: CliFlag): string[] {
  return flag.boolean ? [flag.name, `no-${flag.name}`] : [flag.name];
}

function unknownFlagMessage(name: string): string {
  if (DEPLOY_INPUTS.includes(name))
    return `--${name} is a deploy input: the CLI only checks. Deploy from a workflow with mode: deploy.`;
  if (GITHUB_ONLY_INPUTS.includes(name)) return `--${name} applies only to the action in a workflow run.`;
  return `Unknown flag --${name}.`;
}

/** `flags` is the generated list; tests pass their own to cover inputs action.yml does not have yet. */
export function parseCli(argv: readonly string[], flags: readonly CliFlag[] = CHECK_FLAGS): CliCommand {
  const known = new Set([...Object.keys(OWN_OPTIONS), ...flags.flatMap(flagNames)]);
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const name = arg.slice(2).split('=')[0]!;
    if (!known.has(name)) return { kind: 'usage-error', message: unknownFlagMessage(name) };
  }
  const options = {
    ...OWN_OPTIONS,
    ...Object.fromEntries(
      flags.flatMap((flag) => flagNames(flag).map((name) => [name, { type: flag.boolean ? 'boolean' : 'string' }])),
    ),
  } as Record<string, { type: 'string' | 'boolean' }>;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (error) {
    // Node's parser messages name the flag (a missing value, a value given to a switch); its advice on `--` does not apply.
    return { kind: 'usage-error', message: (error as Error).message.replace(/\. To specify .*$/s, '.') };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.version) return { kind: 'version' };
  if (values.help) return { kind: 'help' };
  const { positionals } = parsed;
  if (positionals[0] !== 'check' || positionals.length > 1) {
    return {
      kind: 'usage-error',
      message: positionals.length ? `Unknown command '${positionals.join(' ')}'.` : 'No command given.',
    };
  }
  const format = values.format as string;
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    return { kind: 'usage-error', message: `--format must be text, json or sarif; got '${format}'.` };
  const inputs: Record<string, string> = { mode: 'check' };
  for (const flag of flags) {
    const value = flag.boolean
      ? values[`no-${flag.name}`]
        ? 'false'
        : values[flag.name]
          ? 'true'
          : flag.default
      : ((values[flag.name] as string | undefined) ?? flag.default);
    inputs[flag.name] = value;
  }
  return { kind: 'check', dir: values.dir as string, format, output: values.output as string | undefined, inputs };
}

/** Wraps `text` at `width` columns, each line indented by `indent`. */
function wrap(text: string, indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

function flagHelp(flag: CliFlag): string {
  const description = flag.description.replace(/`/g, '');
  if (!flag.boolean) {
    const def = flag.default ? ` (default: ${flag.default})` : '';
    return `  --${flag.name} VALUE\n${wrap(description + def, '      ')}`;
  }
  // Show the switch that changes something: --no-x when x is on by default.
  const shown = flag.default === 'true' ? `--no-${flag.name}` : `--${flag.name}`;
  return `  ${shown}\n${wrap(`${description} (${flag.name} is ${flag.default} unless given)`, '      ')}`;
}

export function usage(): string {
  return [
    'Usage: deploy-action check [--dir DIR] [--format text|json|sarif] [--output FILE] [--<input> VALUE]...',
    '',
    wrap(
      'Runs the check of the GitHub Action on a local checkout: builds the target stage, proves the image runs as ' +
        'non-root with no build tools, lints the Dockerfile and holds the prod Compose files to the prod rules.',
      '',
    ),
    '',
    'Options:',
    '  --dir DIR\n      Workspace the inputs are relative to (default: .)',
    '  --format text|json|sarif\n      What stdout (or --output) gets (default: text)',
    '  --output FILE\n      Write the report to FILE instead of stdout',
    '  -h, --help\n      This text',
    '  --version\n      The version',
    '',
    "Check inputs (every check input of action.yml, with action.yml's defaults):",
    ...CHECK_FLAGS.map(flagHelp),
    '',
    wrap(
      `Not flags: the deploy inputs (${DEPLOY_INPUTS.join(', ')}), since the CLI checks and never deploys ` +
        `(deploy from a workflow with mode: deploy), and the inputs that apply only in a workflow run ` +
        `(${GITHUB_ONLY_INPUTS.join(', ')}).`,
      '',
    ),
    '',
    'Exit status: 0 no finding at or above --fail-on (default error), 1 findings at or above it, 2 bad usage or input.',
  ].join('\n');
}
