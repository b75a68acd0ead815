/**
 * Host b as a single-node Swarm manager for the swarm e2e suites: `scripts/testbed/sshd.sh swarm init|leave` on
 * host b's own dockerd (never the main engine), and the removal of one suite's stack with its secrets.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { docker, repoRoot, state, type HostEnv } from './deploy-testbed.js';

const sshd = (...args: string[]) =>
  execFileSync('bash', [path.join(repoRoot, 'scripts/testbed/sshd.sh'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Makes host b a Swarm manager on loopback and returns its env (SSH_PORT, DOCKER_HOST, … and its root). */
export function startSwarmManager(): HostEnv {
  sshd('swarm', 'init');
  const env = Object.fromEntries(
    sshd('b')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as unknown as HostEnv;
  return { ...env, root: path.join(state, 'sshd-b') };
}

export function leaveSwarm(): void {
  sshd('swarm', 'leave');
}

/** `docker stack rm` of the stack, waited for until its tasks' containers are gone, then its hook jobs and secrets. */
export function removeStack(b: HostEnv, stack: string): void {
  docker(b, ['stack', 'rm', stack], { allowFail: true });
  const left = () =>
    docker(b, ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`], { allowFail: true }).trim();
  for (let i = 0; i < 60 && left(); i++) execFileSync('sleep', ['0.5']);
  // Hook jobs are services of their own, labelled with the stack (not part of it for `stack rm`).
  const jobs = docker(b, ['service', 'ls', '-q', '--filter', `label=com.doongzi.deploy-action.stack=${stack}`], {
    allowFail: true,
  }).trim();
  if (jobs) docker(b, ['service', 'rm', ...jobs.split('\n')], { allowFail: true });
  const secrets = docker(b, ['secret', 'ls', '-q', '--filter', `label=com.doongzi.deploy-action.stack=${stack}`], {
    allowFail: true,
  }).trim();
  if (secrets) docker(b, ['secret', 'rm', ...secrets.split('\n')], { allowFail: true });
}
