/**
 * The runner's docker CLI. Children get the step's environment minus the secret variables and the action inputs
 * (`INPUT_*`), so no secret value sits in a local process environment either.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export function childEnv(secretEnvVars: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const drop = new Set(secretEnvVars);
  return Object.fromEntries(Object.entries(env).filter(([k]) => !drop.has(k) && !k.startsWith('INPUT_')));
}

export class LocalDocker {
  constructor(private readonly secretEnvVars: readonly string[]) {}

  run(args: string[], stdin?: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('docker', args, { env: childEnv(this.secretEnvVars), stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e) => reject(new Error(`docker ${args[0]}: ${e.message}`)));
      child.on('close', (code) =>
        code === 0
          ? resolve(out)
          : reject(
              new Error(
                `docker ${args.join(' ')} failed (exit ${code}): ${err.trim().split('\n').slice(-10).join('\n')}`,
              ),
            ),
      );
      child.stdin.end(stdin);
    });
  }

  /** `docker save` as a stream; `done` settles with its exit status. */
  save(refs: readonly string[]): {
    stdout: Readable;
    done: Promise<void>;
    child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  } {
    const child = spawn('docker', ['save', ...refs], {
      env: childEnv(this.secretEnvVars),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (e) => reject(new Error(`docker save: ${e.message}`)));
      child.on('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`docker save failed (${signal ?? `exit ${code}`}): ${err.trim()}`)),
      );
    });
    return { stdout: child.stdout, done, child };
  }
}
