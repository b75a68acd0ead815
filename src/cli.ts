#!/usr/bin/env node
import './runtime-globals.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { failsStep } from './action/fail-on.js';
import { readBuildInputs } from './action/build-inputs.js';
import { readCheckInputs } from './action/inputs.js';
import { ACTION_VERSION } from './action/version.js';
import { IMAGE_INPUT_RULES } from './check/image/source/image-source.js';
import { runCheck } from './check/run-check.js';
import { parseCli, usage } from './cli-args.js';
import { sortFindings, UserFacingError } from './findings/finding.js';
import { renderJsonReport } from './report/json-report.js';
import { scrubFromChildEnv } from './process/child-env.js';
import { renderSarif } from './report/sarif.js';

function formatText(findings: ReturnType<typeof sortFindings>): string {
  return findings
    .map(
      (f) =>
        `${f.location ? `${f.location.file}:${f.location.line}${f.location.column ? `:${f.location.column}` : ''} ` : ''}${f.ruleId} ${f.severity}: ${f.message}`,
    )
    .join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const command = parseCli(argv);
  if (command.kind === 'version') {
    process.stdout.write(`${ACTION_VERSION}\n`);
    return 0;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (command.kind === 'usage-error') {
    process.stderr.write(`deploy-action: ${command.message}\nRun 'deploy-action --help' for usage.\n`);
    return 2;
  }
  try {
    const dir = path.resolve(command.dir);
    // The flags carry action.yml's defaults, so every input reads as the runner would pass it.
    const getInput = (name: string) => command.inputs[name] ?? '';
    const inputs = readCheckInputs(getInput, dir);
    const build = readBuildInputs(getInput, {
      workspace: dir,
      workingDirectory: inputs.workingDirectory,
      dockerfile: inputs.dockerfile,
      env: process.env,
    });
    // As in the action: the variables named in secret-envs reach buildx only.
    scrubFromChildEnv(build.secretEnvNames);
    const outcome = await runCheck({
      ...inputs,
      buildOptions: build.options,
      env: process.env,
      // Build logs go to stderr so stdout stays the report.
      log: (text) => process.stderr.write(text),
    });
    const toPath = (file: string) => file;
    const body =
      command.format === 'json'
        ? renderJsonReport(outcome, toPath)
        : command.format === 'sarif'
          ? renderSarif(outcome, toPath, ACTION_VERSION)
          : formatText(sortFindings(outcome.findings));
    if (inputs.sarifFile) {
      await mkdir(path.dirname(inputs.sarifFile), { recursive: true });
      await writeFile(inputs.sarifFile, renderSarif(outcome, toPath, ACTION_VERSION));
    }
    if (command.output) await writeFile(command.output, `${body}\n`);
    else if (body) process.stdout.write(`${body}\n`);
    // A bad `image` (missing, unreadable, without the platform asked for) is bad input, as a bad flag is.
    if (outcome.findings.some((f) => IMAGE_INPUT_RULES.has(f.ruleId))) return 2;
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
