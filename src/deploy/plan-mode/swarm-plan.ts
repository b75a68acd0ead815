/**
 * What a deploy would do to a Swarm stack, read from its manager without changing it: the manager's facts (as the
 * swarm preflight reads them, minus its writability probe), the image (the same layer-diff measure as the compose
 * plan, against the manager's layers), the stack file the deploy would upload (rendered from the same inputs as
 * `SwarmTarget.stage`) against the live release's, per service, the versioned secrets that do not exist yet, and the
 * env files that change. No lock and nothing written: what it reads is the state at that moment.
 */
import { createHash } from 'node:crypto';
import type { LocalImage } from '../deliver-image.js';
import type { DeployPlan, SwarmPlan } from '../plan.js';
import { readDeployPathReport } from '../release/release.js';
import { exitName, parseRecords } from '../remote/script.js';
import { swarmPlanReadScript } from '../remote/scripts/swarm-plan.js';
import type { RemoteShell, SshError } from '../remote/shell.js';
import { renderStackFile } from '../stack-file.js';
import { sshDeliveryMisfit } from '../swarm-state.js';
import { hostText } from '../../util/host-text.js';
import { hostError, planImage, readPlanRecords, type Change, type HostPlan, type LayerBytes } from './host-plan.js';
import { diffStack } from './stack-diff.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The manager's swarm facts from the plan read's records. */
function managerFacts(rec: Map<string, string[]>) {
  const nodes = Number((rec.get('swarm')?.[0] ?? '').trim().split(' ')[2]) || 0;
  const services = new Map<string, string>();
  for (const v of rec.get('service') ?? []) {
    const [name, version] = v.trim().split(' ');
    if (name) services.set(name, version ?? '');
  }
  return { nodes, services, secrets: (rec.get('secret') ?? []).filter(Boolean) };
}

/** The swarm's versioned secret names against the compose secrets: unchanged, a new value (rotate), or new. */
export function planSecrets(plan: DeployPlan, swarm: SwarmPlan, existing: readonly string[]): HostPlan['secrets'] {
  const have = new Set(existing);
  return plan.secrets.map((s) => {
    const as = swarm.secretNames[s.name]!;
    if (have.has(as)) return { name: s.name, change: 'unchanged' as const, as };
    const had = existing.some((n) => n.startsWith(`${swarm.stack}_${s.name}_`));
    return { name: s.name, change: had ? ('rotate' as const) : ('new' as const), as };
  });
}

function imageNotes(plan: DeployPlan, nodes: number): string[] {
  if (plan.image.delivery === 'registry') {
    return [
      `image-delivery registry: the deploy pushes the image once, then each of the swarm's ${nodes} node(s) pulls it by digest (what the registry already holds is not asked)`,
    ];
  }
  const misfit = sshDeliveryMisfit(nodes);
  return misfit ? [`a deploy would stop at the image step: ${misfit}`] : [];
}

/** Plans the stack through its manager over an open shell; every failure lands in `error`, never thrown. */
export async function planSwarm(
  plan: DeployPlan,
  name: string,
  shell: RemoteShell,
  local: LocalImage,
  layerBytes: LayerBytes,
): Promise<HostPlan> {
  const out: HostPlan = { host: name, files: [], secrets: [], services: [], notes: [] };
  const swarm = plan.swarm;
  if (!swarm) throw new Error('a swarm plan needs plan.swarm');
  const read = swarmPlanReadScript(plan.deployPath, swarm.stack, swarm.stackFile, swarm.envFiles);
  const got = await readPlanRecords(shell, read);
  if ('error' in got) return { ...out, error: got.error };
  const { rec } = got;
  try {
    const facts = managerFacts(rec);
    const absent = rec.get('absent')?.[0] === '1';
    const live = absent ? undefined : readDeployPathReport(rec, plan.deployPath).live;
    if (absent) out.notes.push(`deploy-path ${plan.deployPath} does not exist yet: a deploy would create it`);
    if (live?.manifestProblem) out.notes.push(hostText(live.manifestProblem));
    // As the deploy reads it: the release label the stack's services carry, else the live release's manifest.
    const labelled = [...facts.services.values()].find(Boolean);
    const liveVersion = labelled ?? live?.manifest?.version ?? live?.dir;
    if (liveVersion) out.liveVersion = liveVersion;

    out.image = await planImage(plan, shell, local, layerBytes);
    out.notes.push(...imageNotes(plan, facts.nodes));

    const stack = renderStackFile({
      config: swarm.config,
      image: plan.image.targetRefs[0]!,
      buildServices: swarm.buildServices,
      secretNames: swarm.secretNames,
      runtimeUser: plan.runtimeUser,
      version: plan.version.version,
    });
    const liveStack = rec.get('stack')?.[0];
    const liveHashes = new Map(
      (rec.get('live') ?? []).map((l) => [l.slice(0, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)]),
    );
    const change = (had: string | undefined, now: string): Change =>
      had === undefined ? 'added' : had === now ? 'unchanged' : 'changed';
    out.files = [
      {
        path: swarm.stackFile,
        change: change(liveStack === undefined ? undefined : sha256(liveStack), sha256(stack.text)),
      },
      ...swarm.envFiles.map((f) => {
        const content = plan.files.find((p) => p.relativePath === f)?.content ?? Buffer.alloc(0);
        return { path: f, change: change(liveHashes.get(f), sha256(content)) };
      }),
    ];

    out.secrets = planSecrets(plan, swarm, facts.secrets);
    const kept = new Set(Object.values(swarm.secretNames));
    const dropped = facts.secrets.filter((n) => !kept.has(n));
    if (dropped.length) {
      out.notes.push(
        `after a deploy, the stack's secrets no service refers to any more are removed: ${dropped.join(', ')}`,
      );
    }

    const prefix = `${swarm.stack}_`;
    const diff = diffStack({
      next: stack.text,
      live: liveStack,
      changedEnvFiles: new Set(out.files.filter((f) => f.change !== 'unchanged').map((f) => f.path)),
      running: [...facts.services.keys()].filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)),
    });
    out.services = diff.services;
    out.notes.push(...diff.notes.map(hostText), ...stack.warnings.filter((w) => !plan.warnings.includes(w)));
  } catch (e) {
    out.error = (e as SshError).kind ? hostError(e, 'plan') : hostText((e as Error).message);
  }
  return out;
}
