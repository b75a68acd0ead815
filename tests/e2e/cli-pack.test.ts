// The published CLI: `npm pack` the repository, install the tarball into an empty directory with no registry
// reachable, and run `deploy-action check` on the example from there. Proves the package is self-contained (dist is
// bundled, nothing to fetch) and that `files` ships what the CLI needs to run.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NODE24, REPO_ROOT } from '../helpers/paths.js';
import { makeWorkspace, removeWorkspace } from '../helpers/workspace.js';

const run = promisify(execFile);

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), `${rel}/`)));
    else out.push(rel);
  }
  return out.sort();
}

describe('packed CLI: npm pack, install the tarball offline, deploy-action check', () => {
  let tmp: string;
  let workspace: string;
  // npm and the CLI's `#!/usr/bin/env node` run under Node 24; a registry on a closed loopback port makes any fetch fail.
  const env = {
    ...process.env,
    PATH: `${path.dirname(NODE24)}:${process.env.PATH ?? ''}`,
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_cache: '',
    npm_config_update_notifier: 'false',
  };
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'h-cli-pack-'));
    env.npm_config_cache = path.join(tmp, 'npm-cache');
    workspace = await makeWorkspace();
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
    await removeWorkspace(workspace);
  });

  test('the tarball installs with no network and checks the example from the install directory', async () => {
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: REPO_ROOT, env });
    const [info] = JSON.parse(packed.stdout) as Array<{
      name: string;
      filename: string;
      files: Array<{ path: string }>;
    }>;
    expect(info!.name).toBe('@doongzi/deploy-action');
    const shipped = info!.files.map((f) => f.path).sort();
    // Only what runs: the bundled CLI, its licences, the manifest, README and LICENSE.
    expect(shipped.filter((f) => !f.startsWith('dist/cli/'))).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(shipped).toContain('dist/cli/index.js');

    const installDir = path.join(tmp, 'install');
    await run('mkdir', ['-p', installDir]);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(tmp, info!.filename)], {
      cwd: installDir,
      env,
    });
    const pkgDir = path.join(installDir, 'node_modules/@doongzi/deploy-action');
    expect(await listFiles(pkgDir)).toEqual(shipped);
    const manifest = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    // Nothing else was installed: the package has no runtime dependencies to fetch.
    expect((await readdir(path.join(installDir, 'node_modules'))).sort()).toEqual([
      '.bin',
      '.package-lock.json',
      '@doongzi',
    ]);

    const bin = path.join(installDir, 'node_modules/.bin/deploy-action');
    const bad = await run(bin, ['check', '--sarif-fil', 'x'], { cwd: installDir, env }).catch((e) => e);
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({
      code: 2,
      stderr: "deploy-action: Unknown flag --sarif-fil.\nRun 'deploy-action --help' for usage.\n",
    });

    const sarif = path.join(tmp, 'out.sarif');
    const checked = await run(
      bin,
      ['check', '--dir', workspace, '--network', 'none', '--format', 'json', '--sarif-file', sarif],
      { cwd: installDir, env, maxBuffer: 64 * 1024 * 1024 },
    );
    const report = JSON.parse(checked.stdout) as { counts: { error: number }; image: { runtimeUser: string } | null };
    // The example is the layout the action demands: it passes, and the image was really built and proven.
    expect(report.counts.error).toBe(0);
    expect(report.image?.runtimeUser).toMatch(/^\d+:\d+$/);
    expect(report.image?.runtimeUser).not.toBe('0:0');
    const sarifDoc = JSON.parse(await readFile(sarif, 'utf8'));
    expect(sarifDoc.runs[0].tool.driver.name).toBe('deploy-action');
  });
});
