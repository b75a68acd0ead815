import { runActionLocally, type ActionRun } from '../../scripts/local-runner.mjs';

export type { ActionRun, ParsedAnnotation } from '../../scripts/local-runner.mjs';

/**
 * Runs dist/index.js under Node 24 as the runner runs it (see scripts/local-runner.mjs). The test bed's dockerd has
 * no bridge, so builds run with `network: none` unless a test says otherwise.
 */
export function runAction(
  workspace: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runActionLocally({ workspace, inputs: { network: 'none', ...inputs }, env });
}
