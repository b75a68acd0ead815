/** One merged service as the rules read it (ServiceModel), built from its tree. */
import type { Issue } from './issues.js';
import type {
  BuildSpec,
  EnvFileRef,
  EnvVar,
  ServiceModel,
  ServicePort,
  ServiceSecret,
  ServiceVolume,
} from './model.js';
import { parseShortVolume, type ShortVolume } from './syntax.js';
import { get, getEntry, isMap, isScalar, isSeq, type Origin, str, type YMap, type YNode } from './tree.js';
import { isTrue, located, locatedTyped, parseMode, resolveComposePath } from './values.js';

export function buildService(
  name: string,
  origin: Origin,
  node: YMap,
  projectDir: string,
  issues: Issue[],
): ServiceModel {
  const svc: ServiceModel = {
    name,
    origin,
    image: located(get(node, 'image')),
    user: located(get(node, 'user')),
    volumes: [],
    ports: [],
    secrets: [],
    environment: [],
    envFiles: [],
    healthcheck: { present: false, disabled: false },
    restart: located(get(node, 'restart')),
    networkMode: located(get(node, 'network_mode')),
    pid: located(get(node, 'pid')),
    namespaces: {},
    securityOpt: [],
    devices: [],
    capAdd: [],
    cpus: located(get(node, 'cpus')),
    memLimit: located(get(node, 'mem_limit')),
    limits: {},
    node,
  };
  const priv = get(node, 'privileged');
  if (isScalar(priv) && priv.value !== null)
    svc.privileged = locatedTyped<boolean>(priv, 'boolean') ?? { value: false, origin: priv.origin };
  const flags = { readOnly: 'read_only', init: 'init', tty: 'tty', stdinOpen: 'stdin_open' } as const;
  for (const [field, key] of Object.entries(flags) as [keyof typeof flags, string][]) {
    const v = locatedTyped<boolean>(get(node, key), 'boolean');
    if (v) svc[field] = v;
  }
  const scale = locatedTyped<number>(get(node, 'scale'), 'number');
  if (scale) svc.scale = scale;
  const replicas = locatedTyped<number>(get(get(node, 'deploy'), 'replicas'), 'number');
  if (replicas) svc.replicas = replicas;

  const build = get(node, 'build');
  if (isMap(build)) {
    const context = located(get(build, 'context')) ?? { value: '.', origin: build.origin };
    const spec: BuildSpec = {
      context,
      resolvedContext:
        /^[a-z]+:\/\//i.test(context.value) || context.value.startsWith('git@')
          ? context.value
          : resolveComposePath(context.value, context.origin, projectDir),
      dockerfile: located(get(build, 'dockerfile')),
      target: located(get(build, 'target')),
      origin: build.origin,
    };
    svc.build = spec;
  }

  const volumes = get(node, 'volumes');
  if (isSeq(volumes))
    for (const v of volumes.items) {
      const sv = toVolume(v, projectDir, issues);
      if (sv) svc.volumes.push(sv);
    }

  const ports = get(node, 'ports');
  if (isSeq(ports))
    for (const p of ports.items) {
      if (isMap(p)) {
        const target = Number(str(get(p, 'target')));
        const port: ServicePort = {
          target,
          protocol: str(get(p, 'protocol')) ?? 'tcp',
          mode: str(get(p, 'mode')) ?? 'ingress',
          origin: p.origin,
        };
        const pub = str(get(p, 'published'));
        if (pub !== undefined) port.published = pub;
        const ip = str(get(p, 'host_ip'));
        if (ip !== undefined) port.hostIp = ip;
        svc.ports.push(port);
      } else if (isScalar(p) && typeof p.value === 'number')
        svc.ports.push({ target: p.value, protocol: 'tcp', mode: 'ingress', origin: p.origin });
    }

  const secrets = get(node, 'secrets');
  if (isSeq(secrets))
    for (const s of secrets.items) {
      if (isScalar(s) && s.value !== null) {
        const source = String(s.value);
        svc.secrets.push({ source, mountPath: `/run/secrets/${source}`, long: false, origin: s.origin });
      } else if (isMap(s)) {
        const source = str(get(s, 'source')) ?? '';
        const target = str(get(s, 'target'));
        const modeNode = get(s, 'mode');
        const ref: ServiceSecret = {
          source,
          mountPath:
            target === undefined
              ? `/run/secrets/${source}`
              : target.startsWith('/')
                ? target
                : `/run/secrets/${target}`,
          long: true,
          origin: s.origin,
        };
        if (target !== undefined) ref.target = target;
        const mode = parseMode(modeNode);
        if (mode !== undefined) {
          ref.mode = mode;
          ref.modeOrigin = modeNode!.origin;
          // The quoted text Compose cast to a (decimal) number, for the finding that explains it.
          if (isScalar(modeNode) && modeNode.castFrom !== undefined) ref.modeText = modeNode.castFrom;
          else if (isScalar(modeNode) && typeof modeNode.value === 'string') ref.modeText = modeNode.value;
        }
        const uid = str(get(s, 'uid'));
        if (uid !== undefined) ref.uid = uid;
        const gid = str(get(s, 'gid'));
        if (gid !== undefined) ref.gid = gid;
        svc.secrets.push(ref);
      }
    }

  const env = get(node, 'environment');
  if (isMap(env))
    for (const [key, e] of env.entries) {
      const v = e.value;
      const ev: EnvVar = {
        key,
        value: isScalar(v) && v.value !== null ? (typeof v.value === 'string' ? v.value : String(v.value)) : null,
        origin: v.short ? v.origin : e.keyOrigin,
      };
      if (isScalar(v) && v.raw !== undefined) ev.raw = v.raw;
      svc.environment.push(ev);
    }

  const envFiles = get(node, 'env_file');
  if (isSeq(envFiles))
    for (const f of envFiles.items) {
      const path = isScalar(f) ? str(f) : str(get(f, 'path'));
      if (path === undefined) continue;
      const reqNode = isMap(f) ? get(f, 'required') : undefined;
      const ref: EnvFileRef = {
        path,
        resolvedPath: resolveComposePath(path, f.origin, projectDir),
        required: !(isScalar(reqNode) && (reqNode.value === false || reqNode.value === 'false')),
        origin: f.origin,
      };
      const format = isMap(f) ? str(get(f, 'format')) : undefined;
      if (format !== undefined) ref.format = format;
      svc.envFiles.push(ref);
    }

  const hc = getEntry(node, 'healthcheck');
  if (hc && isMap(hc.value)) {
    const disable = get(hc.value, 'disable');
    const test = get(hc.value, 'test');
    const first = isSeq(test) ? str(test.items[0]) : str(test);
    const disabled = isTrue(disable) || first === 'NONE';
    svc.healthcheck = { present: !disabled, disabled, origin: hc.keyOrigin };
  }

  for (const key of ['ipc', 'uts', 'userns_mode', 'cgroup'] as const) {
    const l = located(get(node, key));
    if (l) svc.namespaces[key] = l;
  }
  const lists = [
    ['cap_add', svc.capAdd],
    ['security_opt', svc.securityOpt],
    ['devices', svc.devices],
  ] as const;
  for (const [key, into] of lists) {
    const list = get(node, key);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      // A long-syntax device is a mapping: its source is the host device.
      const l = located(isMap(item) ? (get(item, 'source') ?? item) : item);
      if (l) into.push(isMap(item) ? { ...l, origin: item.origin } : l);
    }
  }

  const limits = get(get(get(node, 'deploy'), 'resources'), 'limits');
  if (isMap(limits)) {
    const cpus = located(get(limits, 'cpus'));
    if (cpus) svc.limits.cpus = cpus;
    const memory = located(get(limits, 'memory'));
    if (memory) svc.limits.memory = memory;
  }
  return svc;
}

function toVolume(v: YNode, projectDir: string, issues: Issue[]): ServiceVolume | undefined {
  if (isScalar(v) && v.value !== null) {
    let parsed: ShortVolume;
    try {
      parsed = parseShortVolume(String(v.value));
    } catch (e) {
      issues.push({ ruleId: 'DA-CMP-010', message: (e as Error).message, origin: v.origin });
      return undefined;
    }
    const sv: ServiceVolume = {
      type: parsed.type,
      target: parsed.target,
      readOnly: parsed.readOnly,
      short: true,
      origin: v.origin,
    };
    if (parsed.source !== undefined) sv.source = parsed.source;
    if (parsed.type === 'bind' && parsed.source)
      sv.resolvedSource = resolveComposePath(parsed.source, v.origin, projectDir);
    return sv;
  }
  if (!isMap(v)) return undefined;
  const type = str(get(v, 'type')) ?? 'volume';
  const target = str(get(v, 'target'));
  if (target === undefined) {
    issues.push({ ruleId: 'DA-CMP-010', message: 'a service volume in long syntax needs a target', origin: v.origin });
    return undefined;
  }
  const ro = get(v, 'read_only');
  const sv: ServiceVolume = {
    type,
    target,
    readOnly: isTrue(ro),
    short: false,
    origin: v.origin,
  };
  const source = get(v, 'source');
  const s = str(source);
  if (s !== undefined) {
    sv.source = s;
    if (type === 'bind') sv.resolvedSource = resolveComposePath(s, source!.origin, projectDir);
  }
  return sv;
}
