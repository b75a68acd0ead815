/**
 * A Swarm release's own stack file, read back from the host: which services it runs, which of them run the
 * release's image, and which external secrets it names. The host is not trusted with it: a file that does not parse
 * as what the deploy renders is refused, and only secret names by Docker's grammar are taken. Pure, unit-tested.
 */
import { parse } from 'yaml';

/** Docker's secret name grammar (and its 64-character limit). */
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface ReleaseStack {
  /** The stack's services, in file order. */
  services: string[];
  /** Services whose image is the release's image: their tasks must run it. */
  pinnedServices: string[];
  /** The Docker secrets the stack names (external), sorted. */
  secrets: string[];
}

export type ReleaseStackReading = { ok: true; stack: ReleaseStack } | { ok: false; problem: string };

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `image` is the image the release was deployed with (the manifest's reference); '' pins nothing. */
export function readReleaseStack(text: string, image: string): ReleaseStackReading {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 0 });
  } catch (e) {
    return { ok: false, problem: `it is not YAML (${(e as Error).message.split('\n')[0]})` };
  }
  if (!isMap(doc) || !isMap(doc['services']) || Object.keys(doc['services']).length === 0) {
    return { ok: false, problem: 'it declares no services' };
  }
  const services = Object.keys(doc['services']);
  const pinnedServices = services.filter((n) => {
    const svc = (doc as { services: Record<string, unknown> }).services[n];
    return image !== '' && isMap(svc) && svc['image'] === image;
  });
  const secrets: string[] = [];
  const top = doc['secrets'];
  if (top !== undefined && top !== null) {
    if (!isMap(top)) return { ok: false, problem: 'its secrets are not a map' };
    for (const [key, s] of Object.entries(top)) {
      const name = isMap(s) && s['external'] === true ? s['name'] : undefined;
      if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
        return {
          ok: false,
          problem: `its secret ${JSON.stringify(key).slice(0, 80)} is not an external secret by name`,
        };
      }
      secrets.push(name);
    }
  }
  return { ok: true, stack: { services, pinnedServices, secrets: [...new Set(secrets)].sort() } };
}

/** The records of `releaseStackFilesScript`: release directory name → its stack file text. */
export function readReleaseStackFiles(records: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records.get('stack') ?? []) {
    const slash = r.indexOf('/');
    if (slash > 0) out.set(r.slice(0, slash), r.slice(slash + 1));
  }
  return out;
}

/** Every secret any of these stack files names; a file that does not parse names none. */
export function secretsOfStackFiles(texts: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const t of texts) {
    const r = readReleaseStack(t, '');
    if (r.ok) for (const s of r.stack.secrets) out.add(s);
  }
  return out;
}
