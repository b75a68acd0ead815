/**
 * Puts the release image on a host. `ssh`: `docker save`, gzip, the SSH channel, the remote `docker load` (which
 * reads gzip): nothing touches a disk in between. `registry`: pushed once from the runner, pulled by each host
 * (deliver-registry.ts). A host that already holds the image ID only gets the tags.
 */
import { createGzip } from 'node:zlib';
import type { DeployPlan } from './plan.js';
import type { LocalDocker } from './local-docker.js';
import { pullFromRegistry, pushToRegistry } from './deliver-registry.js';
import { imageLoadScript, imageProbeScript, tagImageScript } from './remote/scripts/image.js';
import type { RemoteShell } from './remote/shell.js';

export interface LocalImage {
  id: string;
  /** Registry digest after a push (registry delivery). */
  digest?: string;
}

/** Tag the checked image with the release tags on the runner; push them for registry delivery. */
export async function prepareLocalImage(plan: DeployPlan, docker: LocalDocker): Promise<LocalImage> {
  const id = (await docker.run(['image', 'inspect', '--format', '{{.Id}}', plan.image.localRef])).trim();
  for (const ref of plan.image.targetRefs) await docker.run(['tag', id, ref]);
  if (plan.image.delivery !== 'registry') return { id };
  const digest = await pushToRegistry(plan, docker, id);
  return { id, ...(digest ? { digest } : {}) };
}

export type DeliveryResult = 'already-present' | 'loaded' | 'pulled';

export async function deliverImage(
  plan: DeployPlan,
  local: LocalImage,
  shell: RemoteShell,
  docker: LocalDocker,
): Promise<DeliveryResult> {
  const probe = await shell.run(imageProbeScript(local.id), { okCodes: [1], timeoutMs: 60_000 });
  if (probe.code === 0 && probe.stdout.trim() === local.id) {
    await shell.run(tagImageScript(local.id, plan.image.targetRefs), { timeoutMs: 60_000 });
    return 'already-present';
  }
  if (plan.image.delivery === 'registry') {
    await pullFromRegistry(plan, shell, local.digest);
    return 'pulled';
  }
  const save = docker.save(plan.image.targetRefs);
  const gzip = createGzip({ level: 1 });
  save.stdout.on('error', (e) => gzip.destroy(e));
  gzip.on('error', () => undefined); // reported through the load's own failure
  save.stdout.pipe(gzip);
  try {
    await Promise.all([
      shell.run(imageLoadScript(), {
        stdin: gzip,
        timeoutMs: plan.commandTimeoutMs,
      }),
      save.done,
    ]);
  } catch (e) {
    await stopSave(save, gzip);
    throw e;
  }
  return 'loaded';
}

/** After SIGTERM, SIGKILL follows this much later (src/process); the wait for the exit is bounded by a bit more. */
const SAVE_EXIT_WAIT_MS = 8_000;

/**
 * Ends a `docker save` whose load failed: the pipes destroyed (a writer blocked on a full pipe never reads a
 * signal's meaning), the process killed for real (SIGTERM, then SIGKILL), and its exit waited for, bounded, so
 * neither the child nor its pipes keep the step alive.
 */
async function stopSave(save: ReturnType<LocalDocker['save']>, gzip: ReturnType<typeof createGzip>): Promise<void> {
  save.stdout.unpipe(gzip);
  // With an error, so a load still reading it fails now instead of waiting for its command timeout.
  gzip.destroy(new Error('the image stream was stopped'));
  save.stdout.destroy();
  save.child.kill();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    save.done.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SAVE_EXIT_WAIT_MS);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
