// Deliberately wrong: child processes start only in src/process/, which scrubs their environment.
import { spawn } from 'node:child_process';
import { execFile } from 'child_process';
import type { ExecOptions } from '@actions/exec';

export const options: ExecOptions = { silent: true };
export const starters = [spawn, execFile];
