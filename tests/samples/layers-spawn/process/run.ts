// Allowed: the one wrapper.
import { spawn } from 'node:child_process';

export const start = spawn;
