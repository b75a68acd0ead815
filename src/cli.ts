#!/usr/bin/env node
import './runtime-globals.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { failsStep } from './action/fail-on.js';
import { readCheckInputs } from './action/inputs.js';
import { ACTION_VERSION } from './action/version.js';
import { runCheck } from './check/run-check.js';
import { sortFindings, UserFacingError } from './findings/finding.js';
import { renderJsonReport } from './report/json-report.js';
import { renderSarif } from './report/sarif.js';

const USAGE = `Usage: deploy-action check [--dir DIR] [--format text|json|sarif] [--output FILE] [--no-build] [--<input> VALUE]...

Runs the same check as the GitHub Action on a local checkout: builds the target stage, proves the image runs as
non-root with no build tools, lints the Dockerfile and holds the prod Compose files to the prod rules.
Any input of action.yml can be given as --<input> (e.g. --dockerfile, --target, --compose-files, --fail-on, --network).
--no-build checks the Dockerfile and Compose files only: no build, so no image proof (DA-IMG-*) runs.

Exit status: 0 no finding at or above --fail-on (default error), 1 findings at or above it, 2 bad usage or input.`;

const INPUTS = [
  'dockerfile',
  'context',
  'target',
  'build-args',
  'network',
  'compose-files',
  'forbidden-tools',
  'allowed-tools',
  'fail-on',
  'config-file',
] as const;

function formatText(findings: ReturnType<typeof sortFindings>): string {
  return findings
    .map(
      (f) =>
        `${f.location ? `${f.location.file}:${f.location.line}${f.location.column ? `:${f.location.column}` : ''} ` : ''}${f.ruleId} ${f.severity}: ${f.message}`,
    )
    .join('\n');
}

function parseCliArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: '.' },
      format: { type: 'string', default: 'text' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      ...Object.fromEntries(INPUTS.map((name) => [name, { type: 'string' as const }])),
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCliArgs>;
  try {
    parsed = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${ACTION_VERSION}\n`);
    return 0;
  }
  if (values.help || positionals[0] !== 'check' || positionals.length > 1) {
    (values.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (!['text', 'json', 'sarif'].includes(values.format!)) {
    process.stderr.write(`--format must be text, json or sarif\n`);
    return 2;
  }
  try {
    const dir = path.resolve(values.dir!);
    const getInput = (name: string) => ((values as Record<string, unknown>)[name] as string | undefined) ?? '';
    const inputs = readCheckInputs(getInput, dir);
    const outcome = await runCheck({
      ...inputs,
      skipImage: values['no-build'] === true,
      env: process.env,
      // Build logs go to stderr so stdout stays the report.
      log: (text) => process.stderr.write(text),
    });
    const toPath = (file: string) => file;
    const body =
      values.format === 'json'
        ? renderJsonReport(outcome, toPath)
        : values.format === 'sarif'
          ? renderSarif(outcome, toPath, ACTION_VERSION)
          : formatText(sortFindings(outcome.findings));
    if (values.output) await writeFile(values.output, `${body}\n`);
    else if (body) process.stdout.write(`${body}\n`);
    return failsStep(outcome.findings, inputs.failOn) ? 1 : 0;
  } catch (error) {
    if (error instanceof UserFacingError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
