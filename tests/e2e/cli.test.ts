import { spawn } from 'node:child_process';
import path from 'node:path';
import { NODE24, REPO_ROOT } from '../helpers/paths.js';
import { runAction } from '../helpers/run-action.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const CLI = path.join(REPO_ROOT, 'dist/cli/index.js');

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('local CLI: deploy-action check', () => {
  let dir: string;
  beforeAll(async () => {
    // The example with a secret-like ENV added, so both sides have an error to agree on.
    dir = await makeWorkspace(undefined, async (d) => {
      const { appendFile } = await import('node:fs/promises');
      await appendFile(path.join(d, 'deploy/Dockerfile'), 'ENV API_TOKEN=abc123\n');
    });
  });
  afterAll(() => removeWorkspace(dir));

  test('prints the same findings as the action on the same checkout, with hadolint-like exit codes', async () => {
    const [json, action] = await Promise.all([
      cli(['check', '--dir', dir, '--format', 'json', '--network', 'none'], REPO_ROOT),
      runAction(dir, {}),
    ]);
    expect(json.code).toBe(1);
    const fromCli = (
      JSON.parse(json.stdout) as { findings: Array<{ rule: string; file: string; line: number; message: string }> }
    ).findings;
    // Findings are the titled annotations (an unexpected crash would add an untitled one).
    const fromAction = action.annotations
      .filter((a) => a.title)
      .map((a) => ({ rule: a.title!.split(' ')[0], file: a.file, line: a.line }));
    expect(fromCli.map((f) => ({ rule: f.rule, file: f.file, line: f.line }))).toEqual(fromAction);
    expect(fromCli.some((f) => f.rule === 'DA-DF-004')).toBe(true);

    const text = await cli(['check', '--network', 'none', '--fail-on', 'never'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^deploy\/Dockerfile:\d+:\d+ DA-DF-004 error: ENV API_TOKEN/m);

    const sarif = await cli(['check', '--dir', dir, '--network', 'none', '--format', 'sarif'], REPO_ROOT);
    expect(JSON.parse(sarif.stdout).runs[0].results.length).toBe(fromCli.length);
  });

  test('bad usage exits 2 with the usage text', async () => {
    const bad = await cli(['lint'], REPO_ROOT);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("deploy-action: Unknown command 'lint'.\nRun 'deploy-action --help' for usage.\n");
    expect((await cli(['check', '--format', 'xml'], REPO_ROOT)).code).toBe(2);
    // Every check input is a flag (generated from action.yml); an unknown one is one clear line, not Node's parser error.
    const unknown = await cli(['check', '--sarif-fil', 'x'], REPO_ROOT);
    expect({ code: unknown.code, first: unknown.stderr.split('\n')[0] }).toEqual({
      code: 2,
      first: 'deploy-action: Unknown flag --sarif-fil.',
    });
    const help = await cli(['--help'], REPO_ROOT);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--sarif-file VALUE');
  });
});
