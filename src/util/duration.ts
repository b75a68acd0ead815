/**
 * Durations as users write them in workflows and compose files: `90`, `90s`, `10m`, `1h`, `1h30m`, `1m30s`.
 * A bare number is seconds (what the inputs always took). Compose's own format (Go's time.ParseDuration) also
 * allows `ms` and fractions; a timeout of the action counts in whole seconds, so those are refused with a reason.
 */
const UNIT_SECONDS = { h: 3600, m: 60, s: 1 } as const;

export type DurationResult = { seconds: number } | { problem: string };

export function parseDurationSeconds(text: string): DurationResult {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { seconds: Number(t) };
  // Units in falling order, each at most once: `1h30m`, not `30m1h` or `1m1m`.
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
  if (!m || t === '') {
    if (/^\d*\.\d+/.test(t) || /ms$/.test(t)) return { problem: 'give whole seconds, minutes or hours' };
    return { problem: 'write seconds (`90`), or a duration such as `30s`, `10m`, `1h`, `1h30m`' };
  }
  const [, h, min, s] = m;
  const seconds = Number(h ?? 0) * UNIT_SECONDS.h + Number(min ?? 0) * UNIT_SECONDS.m + Number(s ?? 0) * UNIT_SECONDS.s;
  return { seconds };
}
