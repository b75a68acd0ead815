/**
 * Registry delivery: the runner pushes the release tags once (it must already be logged in, e.g. by
 * docker/login-action: the action never logs the runner in), and each host pulls by the digest the push reported,
 * through a throwaway login whose password goes on stdin.
 */
import type { DeployPlan } from './plan.js';
import type { LocalDocker } from './local-docker.js';
import { registryPullScript } from './remote/scripts/image.js';
import { exitName } from './remote/script.js';
import { SshError, type RemoteShell } from './remote/shell.js';

/** Pushes every release tag; returns the registry's manifest digest of the pushed image, when the engine knows it. */
export async function pushToRegistry(plan: DeployPlan, docker: LocalDocker, id: string): Promise<string | undefined> {
  const server = plan.image.registry!.server;
  for (const ref of plan.image.targetRefs) {
    try {
      await docker.run(['push', ref]);
    } catch (e) {
      const why = (e as Error).message;
      const auth = /unauthorized|authentication required|no basic auth|denied|401/i.test(why);
      throw new Error(
        auth
          ? `${why}\nThe runner is not logged in to ${server}: log it in before this step (docker/login-action with ` +
              `registry: ${server.split('/')[0]}); registry-username and registry-password are only for the hosts' pull.`
          : why,
      );
    }
  }
  const digests = JSON.parse(await docker.run(['image', 'inspect', '--format', '{{json .RepoDigests}}', id])) as
    | string[]
    | null;
  const first = plan.image.targetRefs[0]!;
  const repo = first.slice(0, first.lastIndexOf(':'));
  return digests?.find((d) => d.startsWith(`${repo}@`))?.split('@')[1];
}

/** The host pulls (by digest when known) and tags; a refused login or pull says which, with the host's words. */
export async function pullFromRegistry(
  plan: DeployPlan,
  shell: RemoteShell,
  digest: string | undefined,
): Promise<void> {
  const reg = plan.image.registry!;
  const login = reg.username && reg.password ? { username: reg.username, password: reg.password } : undefined;
  const script = registryPullScript(reg.server, login?.username, plan.image.targetRefs, digest);
  try {
    await shell.run(script, {
      ...(login ? { stdin: Buffer.from(login.password) } : {}),
      timeoutMs: plan.commandTimeoutMs,
    });
  } catch (e) {
    if (!(e instanceof SshError) || e.kind !== 'command') throw e;
    const step = exitName(script, e.exitCode);
    const what =
      step === 'login'
        ? `docker login to ${reg.server.split('/')[0]} as ${login!.username} was refused on the host (check registry-username and registry-password)`
        : step === 'pull'
          ? `the host could not pull ${digest ? `${plan.image.targetRefs[0]} (${digest})` : plan.image.targetRefs[0]} from ${reg.server}`
          : undefined;
    if (what === undefined) throw e;
    throw new SshError(`${what}: ${e.message}`, e.kind, e.exitCode, e.stderr);
  }
}
