/**
 * The runner's docker CLI, through the one process wrapper: children get the step's environment minus the action
 * inputs (`INPUT_*`) and the secret variables (registered process-wide by the entry, and `secretEnvVars` here too, so
 * a deploy run without the entry is covered), so no secret value sits in a local process environment either.
 */
import type { Readable } from 'node:stream';
import { runProcess, spawnStreaming } from '../process/run.js';

export class LocalDocker {
  constructor(private readonly secretEnvVars: readonly string[]) {}

  async run(args: string[], stdin?: Buffer): Promise<string> {
    const r = await runProcess('docker', args, { scrub: this.secretEnvVars, ...(stdin ? { input: stdin } : {}) });
    if (r.code === 0) return r.stdout;
    throw new Error(
      `docker ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-10).join('\n')}`,
    );
  }

  /** `docker save` as a stream; `done` settles with its exit status. */
  save(refs: readonly string[]): { stdout: Readable; done: Promise<void>; child: { kill(): void } } {
    const child = spawnStreaming('docker', ['save', ...refs], { scrub: this.secretEnvVars });
    const done = child.exited.then(
      ({ code, signal, stderr }) => {
        if (code !== 0) throw new Error(`docker save failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`);
      },
      (e: Error) => {
        throw new Error(`docker save: ${e.message}`);
      },
    );
    return { stdout: child.stdout, done, child };
  }
}
