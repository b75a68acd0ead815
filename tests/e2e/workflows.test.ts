// Every workflow under .github/workflows and docs/examples, and action.yml, validated by GitHub's own workflow parser.
// @actions/workflow-parser imports JSON schemas without import attributes, which Node refuses; bundling it with ncc
// (which inlines the JSON) gives a module Node can load.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';

type WorkflowParser = typeof import('@actions/workflow-parser') &
  typeof import('@actions/workflow-parser/actions/index');

const WORKFLOW_DIRS = ['.github/workflows', 'docs/examples'];
const ACTION_REF = /^(?:doongzi\/deploy-action@|\.\/?$)/;

let wp: WorkflowParser;
let scratch: string;

beforeAll(async () => {
  // Inside the repository (gitignored .tmp/) so ncc resolves the package from node_modules.
  await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  scratch = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'workflow-parser-'));
  const entry = path.join(scratch, 'entry.mjs');
  await writeFile(
    entry,
    [
      "export { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from '@actions/workflow-parser';",
      "export { parseAction, convertActionTemplate } from '@actions/workflow-parser/actions/index';",
      '',
    ].join('\n'),
  );
  const ncc = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      entry,
      '-o',
      path.join(scratch, 'out'),
      '--quiet',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (ncc.status !== 0) throw new Error(`bundling @actions/workflow-parser failed:\n${ncc.stderr}${ncc.stdout}`);
  wp = (await import(pathToFileURL(path.join(scratch, 'out/index.mjs')).href)) as WorkflowParser;
}, 120_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function workflowFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of WORKFLOW_DIRS) {
    const names = await readdir(path.join(REPO_ROOT, dir)).catch(() => [] as string[]);
    files.push(...names.filter((n) => /\.ya?ml$/.test(n)).map((n) => `${dir}/${n}`));
  }
  return files.sort();
}

/** Every error the parser reports for a workflow: schema, expressions, and the conversion to the job model. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = wp.parseWorkflow({ name, content }, new wp.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value) {
    const template = await wp.convertWorkflowTemplate(parsed.context, parsed.value);
    for (const e of template.errors ?? []) if (!errors.includes(e.Message)) errors.push(e.Message);
    if (errors.length === 0 && template.jobs.length === 0) errors.push(`${name}: no jobs`);
  } else if (errors.length === 0) {
    errors.push(`${name}: the parser returned nothing`);
  }
  return errors;
}

describe('workflows', () => {
  test('the repository has the workflows this test is meant to cover', async () => {
    expect(await workflowFiles()).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        'docs/examples/deploy.yml',
        'docs/examples/pr-check.yml',
      ]),
    );
  });

  test('every workflow parses and converts without errors', async () => {
    const report: Record<string, string[]> = {};
    for (const file of await workflowFiles()) {
      const errors = await workflowErrors(file, await readFile(path.join(REPO_ROOT, file), 'utf8'));
      if (errors.length) report[file] = errors;
    }
    expect(report).toEqual({});
  });

  test('the validation is real: a broken workflow is rejected', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    step:',
      '      - run: echo ${{ secret.TOKEN }}',
      '',
    ].join('\n');
    const errors = await workflowErrors('broken.yml', broken);
    expect(errors.join('\n')).toMatch(/step/);
    expect(await workflowErrors('expr.yml', broken.replace('step:', 'steps:'))).toEqual([
      expect.stringMatching(/Unrecognized named-value: 'secret'/),
    ]);
  });
});

describe('action.yml', () => {
  test('parses and converts as an action manifest without errors', async () => {
    const content = await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8');
    const parsed = wp.parseAction({ name: 'action.yml', content }, new wp.NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const action = wp.convertActionTemplate(parsed.context, parsed.value!);
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
    expect(action.inputs?.length).toBeGreaterThan(0);
  });

  test('the validation is real: a manifest with a wrong runtime is rejected', () => {
    const parsed = wp.parseAction(
      { name: 'bad-action.yml', content: 'name: x\ndescription: y\nruns:\n  using: node8\n  main: index.js\n' },
      new wp.NoOperationTraceWriter(),
    );
    if (parsed.value) wp.convertActionTemplate(parsed.context, parsed.value);
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0);
  });

  test('workflows pass this action only inputs that action.yml declares', async () => {
    const manifest = parse(await readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
    };
    const declared = new Set(Object.keys(manifest.inputs));
    const unknown: string[] = [];
    for (const file of await workflowFiles()) {
      const workflow = parse(await readFile(path.join(REPO_ROOT, file), 'utf8')) as {
        jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
      };
      for (const [job, body] of Object.entries(workflow.jobs ?? {})) {
        for (const step of body.steps ?? []) {
          if (!step.uses || !ACTION_REF.test(step.uses)) continue;
          for (const input of Object.keys(step.with ?? {})) {
            if (!declared.has(input)) unknown.push(`${file} job ${job}: '${input}'`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
  });
});
