// Deliberately wrong: child processes start only in src/process/, which scrubs their environment.
import { spawn } from 'node:child_process';
// biome-ignore lint/style/useNodejsImportProtocol: the bare name must be refused as well as the node: one
import { execFile } from 'child_process';
import '@actions/exec';

export const starters = [spawn, execFile];
