/**
 * `mode: plan`: what a deploy of this release would do on each host, changing nothing there. The runner's image is
 * inspected (never tagged); each host is planned over its own connection; a host that cannot be reached or read gets
 * its error and the others are still planned. The swarm target plans its stack through the one manager
 * (swarm-plan.ts).
 */
import { openHostSession } from '../connect.js';
import type { LocalImage } from '../deliver-image.js';
import { formatHost } from '../host-address.js';
import { filterSaveStream } from '../layer-diff/save-filter.js';
import { LocalDocker } from '../local-docker.js';
import type { DeployPlan } from '../plan.js';
import type { RemoteShell } from '../remote/shell.js';
import type { DeployLog } from '../release/steps.js';
import { inertLog } from '../run-deploy.js';
import { planHost, type HostPlan, type LayerBytes } from './host-plan.js';
import { planSwarm } from './swarm-plan.js';
import { hostLines, type FleetPlan } from './format.js';
import type { HostAddress } from '../host-address.js';
import { hostText } from '../../util/host-text.js';

export async function inspectLocalImage(docker: LocalDocker, ref: string): Promise<LocalImage> {
  const facts = (
    await docker.run(['image', 'inspect', '--format', '{{.Id}} {{.Size}} {{json .RootFS.Layers}}', ref])
  ).trim();
  const [id = '', size, layers] = facts.split(' ');
  const diffIds = JSON.parse(layers ?? 'null') as string[] | null;
  return { id, ...(Number(size) >= 0 ? { size: Number(size) } : {}), ...(diffIds ? { diffIds } : {}) };
}

/** The uncompressed layer bytes of the save stream without `drop`: the same filter the delivery runs, output discarded. */
export function saveStreamLayerBytes(docker: LocalDocker, local: LocalImage): LayerBytes {
  const cache = new Map<string, Promise<number>>();
  return (drop) => {
    const key = [...drop].sort((a, b) => a - b).join(',');
    let bytes = cache.get(key);
    if (!bytes) {
      const save = docker.save([local.id]);
      const filtered = filterSaveStream(save.stdout, { diffIds: local.diffIds ?? [], drop });
      filtered.output.resume();
      bytes = Promise.all([save.done, filtered.done]).then(([, s]) => s.layerBytes - s.droppedBytes);
      cache.set(key, bytes);
    }
    return bytes;
  };
}

export type PlanConnector = (address: HostAddress) => Promise<RemoteShell>;

export async function runPlan(
  plan: DeployPlan,
  givenLog: DeployLog,
  opts: { connect?: PlanConnector; docker?: LocalDocker; local?: LocalImage } = {},
): Promise<FleetPlan> {
  const log = inertLog(givenLog);
  const docker = opts.docker ?? new LocalDocker(plan.secretEnvVars);
  const connect = opts.connect ?? ((a: HostAddress) => openHostSession(plan, a));
  const local = opts.local ?? (await inspectLocalImage(docker, plan.image.localRef));
  const layerBytes = saveStreamLayerBytes(docker, local);
  const hosts: HostPlan[] = [];
  for (const address of plan.hosts) {
    const name = formatHost(address);
    log.startGroup(
      plan.swarm
        ? `Plan ${plan.version.version} of the swarm stack ${plan.swarm.stack} via ${name}`
        : `Plan ${plan.version.version} on ${name}`,
    );
    let shell: RemoteShell | undefined;
    let result: HostPlan;
    try {
      shell = await connect(address);
      result = await (plan.swarm ? planSwarm : planHost)(plan, name, shell, local, layerBytes);
    } catch (e) {
      result = {
        host: name,
        error: hostText(`connect: ${(e as Error).message}`),
        files: [],
        secrets: [],
        services: [],
        notes: [],
      };
    } finally {
      shell?.close();
    }
    for (const [k, v] of hostLines(result, plan.version.version, plan.hooks)) {
      if (k === 'error') log.warning(`${name}: ${v}`);
      else log.info(`${name}: ${k}: ${v}`);
    }
    log.endGroup();
    hosts.push(result);
  }
  return {
    version: plan.version.version,
    image: `${plan.image.targetRefs[0]} (${local.id})`,
    hosts,
    ...(plan.hooks ? { hooks: plan.hooks } : {}),
  };
}
