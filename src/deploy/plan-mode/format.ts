/** A plan's words: markdown for the job summary and the PR comment, and one line per fact for the log. */
import { formatBytes } from '../../util/format.js';
import { hostWord } from '../../util/host-text.js';
import type { HookPlan } from '../plan-model.js';
import type { HostPlan, ImagePlan } from './host-plan.js';

export interface FleetPlan {
  version: string;
  image: string;
  hosts: HostPlan[];
  hooks?: HookPlan;
}

/** The hooks a deploy would run: none on a host whose live release already is this one (it only runs `up`). */
export function describeHooks(hooks: HookPlan | undefined, unchanged: boolean): string | undefined {
  if (!hooks || (!hooks.pre && !hooks.post)) return undefined;
  if (unchanged) return 'none (the live release already is this one)';
  const one = (when: string, argv: string[] | undefined) =>
    argv ? [`${when} \`${argv.map(hostWord).join(' ')}\``] : [];
  const which = [...one('pre-deploy', hooks.pre), ...one('post-deploy', hooks.post)].join(', ');
  return `${which} in a one-off container of ${hostWord(hooks.service)} (timeout ${hooks.timeoutSeconds} s)`;
}

export function describeImage(i: ImagePlan | undefined): string {
  if (!i) return 'unknown';
  if (i.method === 'present') return 'already on the host: nothing to send';
  if (i.method === 'pull') return 'pulled by the host from the registry (its size is the registry’s to say)';
  const bytes = i.uncompressedBytes !== undefined ? formatBytes(i.uncompressedBytes) : 'an unknown number of bytes';
  const layers = i.layersTotal !== undefined ? `${i.layersSent} of ${i.layersTotal} layer(s), ` : '';
  const why = i.fullReason ? ` (the whole image: ${i.fullReason})` : '';
  return `send ${layers}${bytes} uncompressed${why}; the gzip stream is smaller, its size is known only once sent`;
}

const listed = <T>(items: readonly T[], pick: (t: T) => boolean, name: (t: T) => string) =>
  items.filter(pick).map(name);

/** One host's plan as `label: text` lines (the log and the markdown share them). */
export function hostLines(h: HostPlan, version: string, hooks?: HookPlan): Array<[string, string]> {
  if (h.error) return [['error', h.error]];
  const out: Array<[string, string]> = [];
  out.push(['version', `${h.liveVersion ? hostWord(h.liveVersion) : '(none)'} → ${version}`]);
  if (h.unchanged) out.push(['release', 'the live release already is this one: a deploy would only run `up`']);
  out.push(['image', describeImage(h.image)]);
  const files = listed(
    h.files,
    (f) => f.change !== 'unchanged',
    (f) => `${f.path} (${f.change})`,
  );
  out.push(['files', files.length ? files.join(', ') : 'none change']);
  if (h.secrets.length) {
    const sec = listed(
      h.secrets,
      (s) => s.change !== 'unchanged',
      (s) => `${s.name}${s.as ? ` as ${s.as}` : ''} (${s.change})`,
    );
    out.push(['secrets', sec.length ? sec.join(', ') : 'none rotate']);
  }
  const svc = listed(
    h.services,
    (s) => s.action !== 'unchanged',
    (s) => `${s.service} (${s.action}${s.detail ? `: ${s.detail}` : ''})`,
  );
  out.push(['services', svc.length ? svc.join(', ') : 'none would be recreated']);
  const hookText = describeHooks(hooks, h.unchanged === true);
  if (hookText) out.push(['hooks', hookText]);
  for (const n of h.notes) out.push(['note', n]);
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function formatPlanMarkdown(p: FleetPlan): string {
  const failed = p.hosts.filter((h) => h.error).length;
  const out = [`## Deploy plan: ${p.version}${failed ? ` (${failed} host(s) could not be planned)` : ''}`, ''];
  out.push(`Image ${cell(p.image)}. Nothing was changed on any host.`, '');
  for (const h of p.hosts) {
    out.push(`### ${cell(h.host)}`, '', '| | |', '| --- | --- |');
    for (const [k, v] of hostLines(h, p.version, p.hooks)) out.push(`| ${k} | ${cell(v)} |`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** In place of the plan when none was made (the check refused it, or planning stopped), so the PR comment says so. */
export function formatPlanNotMade(why: string): string {
  return `## Deploy plan: not made\n\n${cell(why)}. Nothing was changed on any host.\n`;
}
