import { spawn, type SpawnOptions } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell (arguments are never re-parsed) and collects its output.
 * `onOutput` sees both streams as they arrive, for live logs.
 */
export function runCommand(
  program: string,
  args: readonly string[],
  options: SpawnOptions & { onOutput?: (chunk: string) => void; input?: string } = {},
): Promise<CommandResult> {
  const { onOutput, input, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      onOutput?.(d);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onOutput?.(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin!.end(input ?? '');
  });
}

/** The last `n` non-empty lines, for error messages that quote a long log. */
export function tail(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .slice(-n)
    .join('\n');
}
