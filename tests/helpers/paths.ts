import path from 'node:path';
import { REPO_ROOT } from '../../scripts/local-runner.mjs';

// The repository root and the Node 24 binary are defined once, by the local runner the tests drive dist with.
export { NODE24, REPO_ROOT } from '../../scripts/local-runner.mjs';
export const EXAMPLE_DIR = path.join(REPO_ROOT, 'examples/doongzi-backend');
export const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures');
