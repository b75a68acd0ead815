// DA-DF-007: a RUN of the final stage (or of a stage it is built FROM) that writes a NOPASSWD sudo rule.
import { lintDockerfile } from '../../src/check/dockerfile/lint.js';
import { findStage, parseDockerfile } from '../../src/check/dockerfile/parse.js';
import { parseDockerIgnore } from '../../src/docker/dockerignore.js';

function ids(text: string, target?: string) {
  const parsed = parseDockerfile(text);
  return lintDockerfile({
    file: 'Dockerfile',
    parsed,
    target: findStage(parsed, target)!,
    dockerIgnore: parseDockerIgnore('.git\n.env\n.env.*\nsecrets/\n'),
    dockerIgnorePath: '.dockerignore',
  }).map((f) => `${f.ruleId}@${f.location?.line}`);
}

/** A dev-container style runner: sudo for the app user, written by echo or a heredoc. */
const RUNNER = `FROM python:3.12-slim AS builder
RUN apt-get update && apt-get install -y sudo && echo "builder ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers
FROM python:3.12-slim AS base
RUN useradd -m app \\
 && apt-get install -y sudo \\
 && echo 'app ALL=(root) NOPASSWD: /usr/bin/apt-get' > /etc/sudoers.d/app
FROM base AS runner
RUN <<EOT
echo "%app ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/group
EOT
USER app
`;

describe('DA-DF-007 no-passwordless-sudo', () => {
  test('catches a NOPASSWD rule written by a RUN of the final stage or of the stage it is built FROM', () => {
    expect(ids(RUNNER)).toEqual(['DA-DF-007@4', 'DA-DF-007@8']);
  });
  test('does not catch one in a builder stage the final stage does not build FROM, or sudo with a password', () => {
    expect(ids(RUNNER, 'builder').filter((id) => id.startsWith('DA-DF-007'))).toEqual(['DA-DF-007@2']);
    expect(ids(RUNNER.replace(/NOPASSWD: ?/g, ''))).toEqual([]);
  });
});
