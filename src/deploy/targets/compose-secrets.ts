/**
 * A compose host's secrets: open the host's secret store, pick how each file gets its owner, and write the files a
 * release needs that the store does not hold yet (content-addressed: an unchanged value is never rewritten).
 */
import type { SecretOwnerMode } from '../inputs.js';
import type { DeployPlan } from '../plan.js';
import { HostStepError } from '../release/steps.js';
import { SECRET_STORE, parseStoreKey, type PlacedSecret } from '../release/secret-store.js';
import { frame, parseRecords, remoteJoin, tempSuffix } from '../remote/script.js';
import { openSecretStoreScript } from '../remote/scripts/secret-store.js';
import { UPLOAD_EXIT, secretTempName, writeSecretScript, type SecretRoute } from '../remote/scripts/upload.js';
import type { RemoteShell, SshError } from '../remote/shell.js';
import { tarBuffer } from '../remote/tar-buffer.js';
import { hostText } from '../../util/host-text.js';

export interface SecretStore {
  /** The store directory on the host (absolute). */
  abs: string;
  key: Buffer;
  /** Whether the deploy user may chown a file to the runtime user (probed on an empty file). */
  canChown: boolean;
  /** The files it holds: name → `uid:gid mode`. */
  have: Map<string, string>;
}

export async function openSecretStore(
  shell: RemoteShell,
  deployPath: string,
  owner: { uid: number; gid: number },
  timeoutMs: number,
): Promise<SecretStore> {
  const out = await shell.run(openSecretStoreScript(deployPath, owner), { timeoutMs });
  const rec = parseRecords(out.stdout);
  const have = new Map<string, string>();
  for (const h of rec.get('have') ?? []) {
    const sp = h.indexOf(' ');
    if (sp > 0) have.set(h.slice(0, sp), h.slice(sp + 1));
  }
  return {
    abs: remoteJoin(deployPath, SECRET_STORE),
    key: parseStoreKey(rec.get('key')?.[0]),
    canChown: rec.get('chown')?.[0] === 'yes',
    have,
  };
}

/** `auto`: chown when the deploy user may, else the engine route (it needs nothing inside the image). */
export function secretRoute(mode: SecretOwnerMode, canChown: boolean): SecretRoute {
  if (mode === 'auto') return canChown ? 'chown' : 'engine';
  return mode;
}

/** The store already holds this file, owned as it must be: nothing to write. */
export function storeHolds(store: SecretStore, p: PlacedSecret, owner: { uid: number; gid: number }): boolean {
  return store.have.get(p.fileName) === `${owner.uid}:${owner.gid} 400`;
}

/** Tar entries whose headers carry the owner and mode 0400: what `docker cp` (without `-a`) extracts as they say. */
export function secretTar(
  entries: ReadonlyArray<{ name: string; value: Buffer }>,
  owner: { uid: number; gid: number },
): Promise<Buffer> {
  return tarBuffer(
    entries.map((e) => ({
      header: { name: e.name, type: 'file', mode: 0o400, uid: owner.uid, gid: owner.gid },
      body: e.value,
    })),
  );
}

export interface SecretWriteContext {
  shell: RemoteShell;
  plan: DeployPlan;
  host: string;
  store: SecretStore;
}

/** Writes the placed secrets the store lacks; returns how many it wrote and by which route. */
export async function writeStoreSecrets(
  ctx: SecretWriteContext,
  placed: readonly PlacedSecret[],
): Promise<{ written: number; route: SecretRoute }> {
  const { plan, store } = ctx;
  const owner = plan.runtimeUser;
  const route = secretRoute(plan.secretOwner, store.canChown);
  const missing = placed.filter((p) => !storeHolds(store, p, owner));
  // chown: one script per file (the value itself on stdin); engine: one container for all of them (one tar).
  const batches = route === 'chown' ? missing.map((p) => [p]) : missing.length ? [missing] : [];
  for (const batch of batches) {
    const suffix = tempSuffix();
    const script = writeSecretScript({
      dir: store.abs,
      fileNames: batch.map((p) => p.fileName),
      ...owner,
      route,
      image: plan.image.targetRefs[0]!,
      label: `write secret ${batch.map((p) => p.name).join(', ')}`,
      suffix,
    });
    const payload =
      route === 'chown'
        ? batch[0]!.value
        : await secretTar(
            batch.map((p) => ({ name: secretTempName(p.fileName, suffix), value: p.value })),
            owner,
          );
    try {
      await ctx.shell.run(script, { stdin: frame(payload), timeoutMs: 120_000 });
    } catch (e) {
      const which = batch.map((p) => p.name).join(', ');
      throw new HostStepError('secrets', `${ctx.host}: secret ${which}: ${explainSecretFailure(e, plan, route)}`);
    }
    for (const p of batch) store.have.set(p.fileName, `${owner.uid}:${owner.gid} 400`);
  }
  return { written: missing.length, route };
}

export function explainSecretFailure(e: unknown, plan: DeployPlan, route: SecretRoute): string {
  const err = e as SshError;
  const stderr = hostText((err.stderr ?? '').trim().split('\n').slice(-5).join('\n'));
  const owner = `${plan.runtimeUser.uid}:${plan.runtimeUser.gid}`;
  const wayOut =
    'Ways out: let the deploy user run docker (the docker group) so the engine writes the file owned (secret-owner: engine or auto), ' +
    'or deploy as a user allowed to chown (root). The file was removed; nothing was left readable.';
  switch (err.exitCode) {
    case UPLOAD_EXIT.chownDenied:
      return `the deploy user ${plan.user} may not chown the file to ${owner} (secret-owner: chown). ${wayOut}\n${stderr}`;
    case UPLOAD_EXIT.engineFailed:
      return `the engine could not write the file owned by ${owner} (docker create of ${plan.image.targetRefs[0]}, then docker cp into it). ${wayOut}\n${stderr}`;
    case UPLOAD_EXIT.ownerWrong:
      return `the file did not get owner ${owner} and mode 0400 by ${route} (${stderr}). A user-namespaced or rootless engine maps root elsewhere; deploy as a user allowed to chown (secret-owner: chown).`;
    default:
      return err.message;
  }
}
