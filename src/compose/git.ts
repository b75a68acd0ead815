import { relative } from 'node:path';
import { runProcess } from '../process/run.js';

interface GitResult {
  code: number;
  stdout: string;
}

/** Never rejects: a git that is missing, fails or hangs answers 128, and the rules treat that as "unknown". */
async function git(args: string[], cwd: string, input?: string): Promise<GitResult> {
  try {
    const r = await runProcess('git', args, { cwd, timeoutMs: 15_000, ...(input === undefined ? {} : { input }) });
    return { code: r.code, stdout: r.stdout };
  } catch {
    return { code: 128, stdout: '' };
  }
}

/** The few git questions the rules ask, answered by the git CLI in the project's repository. */
export class GitRepo {
  private readonly ignored = new Map<string, boolean>();
  private readonly tracked = new Map<string, boolean>();

  private constructor(readonly root: string) {}

  /** Answers both questions for many paths with two git runs (the rules then ask from the cache). */
  async prefetch(paths: readonly string[]): Promise<void> {
    const rel = [...new Set(paths.filter((p) => this.contains(p)).map((p) => relative(this.root, p)))];
    if (!rel.length) return;
    const [ign, ls] = await Promise.all([
      git(['check-ignore', '--no-index', '-z', '--stdin'], this.root, `${rel.join('\0')}\0`),
      git(['ls-files', '-z', '--', ...rel.map((r) => `:(literal)${r}`)], this.root),
    ]);
    if (ign.code !== 0 && ign.code !== 1) return;
    const ignoredSet = new Set(ign.stdout.split('\0').filter(Boolean));
    const trackedSet = new Set(ls.code === 0 ? ls.stdout.split('\0').filter(Boolean) : []);
    for (const r of rel) {
      this.ignored.set(r, ignoredSet.has(r));
      if (ls.code === 0) this.tracked.set(r, trackedSet.has(r) || [...trackedSet].some((t) => t.startsWith(`${r}/`)));
    }
  }

  /** The repository containing `dir`, or undefined when there is none (or no git). */
  static async find(dir: string): Promise<GitRepo | undefined> {
    const r = await git(['rev-parse', '--show-toplevel'], dir);
    const root = r.stdout.trim();
    return r.code === 0 && root ? new GitRepo(root) : undefined;
  }

  contains(abs: string): boolean {
    const rel = relative(this.root, abs);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith('/');
  }

  /** Whether `.gitignore` rules cover the path (whether or not it is tracked or exists). */
  async isIgnored(abs: string): Promise<boolean | undefined> {
    if (!this.contains(abs)) return undefined;
    const cached = this.ignored.get(relative(this.root, abs));
    if (cached !== undefined) return cached;
    const r = await git(['check-ignore', '--no-index', '-q', '--', relative(this.root, abs)], this.root);
    return r.code === 0 ? true : r.code === 1 ? false : undefined;
  }

  /** Whether git tracks the path. */
  async isTracked(abs: string): Promise<boolean> {
    if (!this.contains(abs)) return false;
    const cached = this.tracked.get(relative(this.root, abs));
    if (cached !== undefined) return cached;
    const r = await git(['ls-files', '-z', '--', relative(this.root, abs)], this.root);
    return r.code === 0 && r.stdout.length > 0;
  }
}
