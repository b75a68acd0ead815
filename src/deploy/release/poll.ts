/** Polling bounded by a deadline, with the clock injectable so the state machines that poll are unit-tested. */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type PollProbe<T, W> = () => Promise<{ done: true; value: T } | { done: false; waiting: W }>;
export type PollResult<T, W> = { ok: true; value: T } | { ok: false; waiting: W };

/**
 * Runs `probe` until it is done or `timeoutMs` has passed, `intervalMs` apart; always probes at least once. A probe
 * that throws ends the poll with its error. On timeout, returns what the last probe was waiting for.
 */
export async function pollUntil<T, W>(
  probe: PollProbe<T, W>,
  o: { timeoutMs: number; intervalMs: number; clock: Clock },
): Promise<PollResult<T, W>> {
  const deadline = o.clock.now() + o.timeoutMs;
  for (;;) {
    const r = await probe();
    if (r.done) return { ok: true, value: r.value };
    if (o.clock.now() >= deadline) return { ok: false, waiting: r.waiting };
    await o.clock.sleep(Math.min(o.intervalMs, Math.max(0, deadline - o.clock.now())));
  }
}
