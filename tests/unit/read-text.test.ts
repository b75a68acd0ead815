import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadTextError, readTextFile, repositoryRootOf } from '../../src/util/read-text.js';

let root: string;
let outside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'read-text-'));
  outside = mkdtempSync(join(tmpdir(), 'read-text-outside-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function problemOf(path: string, maxBytes?: number): Promise<string> {
  try {
    await readTextFile(path, { root, label: 'the file', ...(maxBytes ? { maxBytes } : {}) });
  } catch (e) {
    if (e instanceof ReadTextError) return `${e.problem}: ${e.message}`;
    throw e;
  }
  return 'read';
}

describe('readTextFile', () => {
  it('reads a regular UTF-8 file inside the root, also through a symlink that stays inside', async () => {
    writeFileSync(join(root, 'compose.yml'), 'services: {}\n# café\n');
    symlinkSync('compose.yml', join(root, 'link.yml'));
    await expect(readTextFile(join(root, 'link.yml'), { root })).resolves.toBe('services: {}\n# café\n');
  });

  it('refuses a symlink that leaves the root without reading it, and never echoes the content', async () => {
    writeFileSync(join(outside, 'shadow'), 'root:$6$secret-hash:19000:0:99999:7:::\n');
    symlinkSync(join(outside, 'shadow'), join(root, 'compose.yml'));
    const problem = await problemOf(join(root, 'compose.yml'));
    expect(problem).toBe(
      'outside: the file: resolves outside the repository (through a symlink or ../); it is not read',
    );
    expect(problem).not.toContain('secret-hash');
  });

  it('refuses a ../ path that leaves the root', async () => {
    writeFileSync(join(outside, '.env'), 'A=1\n');
    expect(await problemOf(join(root, '..', outside.split('/').pop()!, '.env'))).toMatch(/^outside:/);
  });

  it('refuses a FIFO at once instead of blocking on it', async () => {
    execFileSync('mkfifo', [join(root, '.env')]);
    const started = Date.now();
    expect(await problemOf(join(root, '.env'))).toBe(
      'not-regular: the file: is not a regular file (a FIFO, socket or device); it is not read',
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a directory', async () => {
    mkdirSync(join(root, 'env'));
    expect(await problemOf(join(root, 'env'))).toBe('not-regular: the file: is a directory, not a file');
  });

  it('refuses a file over the size cap without reading it whole', async () => {
    writeFileSync(join(root, '.env'), 'A=1\n'.repeat(1000));
    expect(await problemOf(join(root, '.env'), 1024)).toBe(
      'too-large: the file: is 4000 bytes, over the 1024-byte limit',
    );
    expect(await problemOf(join(root, '.env'), 4000)).toBe('read');
  });

  it('refuses invalid UTF-8, as Compose does', async () => {
    writeFileSync(join(root, '.env'), Buffer.from([0x41, 0x3d, 0xff, 0xfe, 0x0a]));
    expect(await problemOf(join(root, '.env'))).toBe('not-utf8: the file: is not valid UTF-8');
  });

  it('says a missing file is not found', async () => {
    expect(await problemOf(join(root, 'nope.yml'))).toBe('missing: the file: not found');
  });
});

describe('repositoryRootOf', () => {
  it('is the workspace when the working directory is in it, else the git checkout around it, else /', () => {
    const repo = mkdtempSync(join(tmpdir(), 'read-text-repo-'));
    try {
      mkdirSync(join(repo, '.git'));
      mkdirSync(join(repo, 'backend', 'deploy'), { recursive: true });
      expect(repositoryRootOf(join(repo, 'backend', 'deploy'), {})).toBe(repo);
      expect(repositoryRootOf(join(repo, 'backend'), { GITHUB_WORKSPACE: join(repo, 'backend') })).toBe(
        join(repo, 'backend'),
      );
      rmSync(join(repo, '.git'), { recursive: true });
      expect(repositoryRootOf(join(repo, 'backend'), {})).toBe('/');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
