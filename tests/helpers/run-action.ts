import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DIST_ENTRY, NODE24, REPO_ROOT } from './paths.js';

export interface ParsedAnnotation {
  severity: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  line?: number;
  col?: number;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  annotations: ParsedAnnotation[];
  outputs: Record<string, string>;
  summary: string;
  runnerTemp: string;
}

/** Undoes the runner's escaping of workflow command data and properties. */
function unescape(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

export function parseAnnotations(stdout: string): ParsedAnnotation[] {
  const out: ParsedAnnotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = kv.indexOf('=');
      props[kv.slice(0, eq)] = unescape(kv.slice(eq + 1));
    }
    out.push({
      severity: m[1] as ParsedAnnotation['severity'],
      message: unescape(m[3]!),
      ...(props.title ? { title: props.title } : {}),
      ...(props.file ? { file: props.file } : {}),
      ...(props.line ? { line: Number(props.line) } : {}),
      ...(props.col ? { col: Number(props.col) } : {}),
    });
  }
  return out;
}

/** Reads a GITHUB_OUTPUT file written with the `name<<delimiter` heredoc form. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (m) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
      outputs[m[1]!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const eq = lines[i]!.indexOf('=');
      outputs[lines[i]!.slice(0, eq)] = lines[i]!.slice(eq + 1);
    }
  }
  return outputs;
}

let defaults: Record<string, string> | undefined;
async function actionDefaults(): Promise<Record<string, string>> {
  if (!defaults) {
    const action = parse(await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    defaults = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? '']));
  }
  return defaults;
}

/**
 * Runs dist/index.js under Node 24 the way the runner does: INPUT_* for every input (action.yml defaults filled in),
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, annotations read back from stdout.
 */
export async function runAction(
  workspace: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-runner-'));
  const outputFile = path.join(runnerTemp, 'github_output');
  const summaryFile = path.join(runnerTemp, 'step_summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const merged = { ...(await actionDefaults()), network: 'none', ...inputs };
  const inputEnv = Object.fromEntries(
    Object.entries(merged).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
  );
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'doongzi/doongzi-backend',
    GITHUB_EVENT_NAME: 'pull_request',
    ...inputEnv,
    ...env,
  };
  if (process.env.DOCKER_HOST && !childEnv.DOCKER_HOST) childEnv.DOCKER_HOST = process.env.DOCKER_HOST;
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(NODE24, [DIST_ENTRY], { cwd: workspace, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
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
