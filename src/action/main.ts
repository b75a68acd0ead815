import * as core from '@actions/core';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCheck, type CheckOutcome } from '../check/run-check.js';
import { UserFacingError, type Finding } from '../findings/finding.js';
import { planAnnotations } from '../report/annotations.js';
import { countBySeverity } from '../check/check-result.js';
import { renderJsonReport, reportFileName } from '../report/json-report.js';
import { commentKey, postCheckComment } from '../report/pr-comment.js';
import { renderSarif } from '../report/sarif.js';
import { blobLinksFromEnv, countOf, formatCounts, renderSummary } from '../report/summary.js';
import { failsStep } from './fail-on.js';
import { planFailure, readDeployInputs } from './deploy-adapter.js';
import { DeployFailedError } from '../deploy/summary.js';
import { ruleTitle } from '../check/catalog.js';
import { runDeployMode, runPlanMode } from './deploy-mode.js';
import { formatPlanNotMade } from '../deploy/plan-mode/format.js';
import { runRollbackMode } from './rollback-mode.js';
import { readCheckInputs, type CheckInputs } from './inputs.js';
import { ACTION_VERSION } from './version.js';
import { logCommandsTo } from '../process/run.js';
import { scrubFromChildEnv } from '../process/child-env.js';
import type { BuildOptions } from '../check/image/build-options.js';
import { readBuildInputs } from './build-inputs.js';

/** The build-push-action inputs: values masked (each line too) and the named variables kept from other children. */
function readBuildOptions(inputs: CheckInputs, workspace: string): BuildOptions {
  const build = readBuildInputs((name) => core.getInput(name), {
    workspace,
    workingDirectory: inputs.workingDirectory,
    dockerfile: inputs.dockerfile,
    env: process.env,
  });
  for (const value of build.secretValues) {
    core.setSecret(value);
    for (const line of value.split(/\r?\n/)) if (line.trim()) core.setSecret(line);
  }
  scrubFromChildEnv(build.secretEnvNames);
  return build.options;
}

/** The build's notes go out after the streamed log, where workflow commands work again. */
function reportBuild(outcome: CheckOutcome): void {
  if (!outcome.build) return;
  for (const note of outcome.build.notes) {
    if (note.level === 'warning') core.warning(note.text);
    else if (note.level === 'notice') core.notice(note.text);
    else core.debug(note.text);
  }
  if (outcome.build.metadata) core.setOutput('metadata', outcome.build.metadata);
  if (outcome.build.digest) core.setOutput('digest', outcome.build.digest);
}

function emit(findings: readonly Finding[], toWorkspacePath: (f: string) => string): void {
  for (const a of planAnnotations(findings, toWorkspacePath)) {
    const props: core.AnnotationProperties = { title: a.title };
    if (a.file) props.file = a.file;
    if (a.startLine) props.startLine = a.startLine;
    if (a.startColumn) props.startColumn = a.startColumn;
    if (a.severity === 'error') core.error(a.message, props);
    else if (a.severity === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
}

/** The sticky PR comment: the check's summary, after `extra` (the plan) when given. */
async function postComment(
  outcome: CheckOutcome,
  inputs: CheckInputs,
  toWorkspacePath: (f: string) => string,
  extra?: string,
): Promise<void> {
  if (!core.getBooleanInput('comment')) return;
  const key = commentKey(core.getInput('comment-key'), {
    job: process.env.GITHUB_JOB,
    workingDirectory: toWorkspacePath('.') || '.',
    dockerfile: toWorkspacePath(inputs.dockerfile),
  });
  // A fork's pull request gets a read-only token: a failed comment must not fail the check.
  try {
    const posted = await postCheckComment({
      token: core.getInput('github-token'),
      result: outcome,
      toWorkspacePath,
      key,
      ...(extra ? { extra } : {}),
    });
    core.info(
      posted.action === 'skipped'
        ? `PR comment skipped: ${posted.reason}`
        : `PR comment ${posted.action}: ${posted.url}`,
    );
  } catch (error) {
    core.warning(`Could not post the PR comment: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function workspacePaths(inputs: CheckInputs, workspace: string): (file: string) => string {
  return (file) => path.relative(workspace, path.resolve(inputs.workingDirectory, file)).split(path.sep).join('/');
}

async function report(outcome: CheckOutcome, inputs: CheckInputs, workspace: string): Promise<void> {
  const toWorkspacePath = workspacePaths(inputs, workspace);
  emit(outcome.findings, toWorkspacePath);

  const reportDir = process.env.RUNNER_TEMP || os.tmpdir();
  await mkdir(reportDir, { recursive: true });
  const reportPath = path.join(
    reportDir,
    reportFileName(process.env, () => randomUUID().slice(0, 8)),
  );
  await writeFile(reportPath, renderJsonReport(outcome, toWorkspacePath));
  if (inputs.sarifFile) {
    await mkdir(path.dirname(inputs.sarifFile), { recursive: true });
    await writeFile(inputs.sarifFile, renderSarif(outcome, toWorkspacePath, ACTION_VERSION));
  }
  if (process.env.GITHUB_STEP_SUMMARY && core.getBooleanInput('summary')) {
    const links = blobLinksFromEnv(process.env);
    await core.summary.addRaw(renderSummary(outcome, toWorkspacePath, { links })).write();
  }
  // Plan mode posts its comment once the plan is known, with the plan in it.
  if (inputs.mode !== 'plan') await postComment(outcome, inputs, toWorkspacePath);
  core.setOutput('findings', String(outcome.findings.length));
  core.setOutput('report', reportPath);
  if (outcome.image) {
    core.setOutput('image-id', outcome.image.imageId);
    core.setOutput('image-size', String(outcome.image.sizeBytes));
    core.setOutput('runtime-user', outcome.image.runtimeUser);
  }
}

export async function run(): Promise<void> {
  // Only when the runner debugs: inside the build's stop-commands section a `::debug::` line would print as text.
  if (core.isDebug()) logCommandsTo((line) => core.debug(line));
  try {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const inputs = readCheckInputs((name) => core.getInput(name), workspace);
    // A rollback builds and checks nothing: each host goes back to a release it already holds.
    if (inputs.mode === 'rollback') {
      await runRollbackMode();
      return;
    }
    // Deploy inputs first: their secret values are masked before anything else is printed.
    const deployInputs = inputs.mode !== 'check' ? readDeployInputs() : undefined;
    const buildOptions = readBuildOptions(inputs, workspace);
    // The build log is the user's text: stop the runner from reading workflow commands in it while it streams.
    const resume = randomUUID();
    const outcome = await core.group('Check: build and verify', async () => {
      process.stdout.write(`::stop-commands::${resume}\n`);
      try {
        return await runCheck({ ...inputs, buildOptions, env: process.env, log: (text) => process.stdout.write(text) });
      } finally {
        process.stdout.write(`\n::${resume}::\n`);
      }
    });
    reportBuild(outcome);
    await report(outcome, inputs, workspace);
    const counts = countBySeverity(outcome.findings);
    core.info(`deploy-action: ${formatCounts(counts)}.`);
    // Plan mode's comment waits for the plan; when there is none, it still goes out, with the findings and why.
    const planComment = async (markdown: string) => {
      if (inputs.mode === 'plan') await postComment(outcome, inputs, workspacePaths(inputs, workspace), markdown);
    };
    // The findings are already annotated: the verdict goes to the log, so it takes none of GitHub's ten error slots.
    if (deployInputs && counts.error > 0) {
      core.info(
        `${inputs.mode === 'plan' ? 'Plan' : 'Deploy'} refused: the check found ${countOf(counts.error, 'error')} (DA-DEP-003).`,
      );
      await planComment(formatPlanNotMade(`Not planned: the check found ${countOf(counts.error, 'error')}`));
      process.exitCode = core.ExitCode.Failure;
      return;
    }
    if (failsStep(outcome.findings, inputs.failOn)) {
      core.info(`Check failed: ${formatCounts(counts)} (fail-on: ${inputs.failOn}).`);
      await planComment(formatPlanNotMade(`Not planned: the check failed (fail-on: ${inputs.failOn})`));
      process.exitCode = core.ExitCode.Failure;
      return;
    }
    if (deployInputs && inputs.mode === 'plan') {
      // The error itself goes to the annotation only: a PR comment is no place for text that may quote an input.
      const planned = await runPlanMode(outcome, inputs, deployInputs).catch(async (e: unknown) => {
        await planComment(formatPlanNotMade('Not planned: planning stopped with an error (see the job log)'));
        throw e;
      });
      await planComment(planned.markdown);
      const failure = planFailure(planned.failed);
      if (failure) throw failure;
    } else if (deployInputs) await runDeployMode(outcome, inputs, deployInputs);
  } catch (error) {
    // Bad input and failed deploys reach the user as one clear error annotation, never a stack trace. Anything else
    // is our bug: said so, with the stack at debug level, never dressed up as the user's input error.
    const ruleId =
      error instanceof UserFacingError ? error.ruleId : error instanceof DeployFailedError ? 'DA-DEP-002' : undefined;
    const text = error instanceof Error ? error.message : String(error);
    const message = ruleId ? text : `deploy-action internal error (please report it): ${text}`;
    if (!ruleId && error instanceof Error && error.stack) core.debug(error.stack);
    const location = error instanceof UserFacingError ? error.location : undefined;
    core.error(message, {
      ...(ruleId ? { title: ruleTitle(ruleId) } : {}),
      ...(location ? { file: location.file, startLine: location.line } : {}),
    });
    process.exitCode = core.ExitCode.Failure;
  }
}
