/** DA-CMP-053 and the capability the deploy reads: which prod services can roll out start-first. */
import { rolloutBlocker } from '../../src/compose/rollout-capability.js';
import { at, byRule, checkSeedWithExtra, cleanup } from './compose-helpers.js';

async function withExtra(extra: string) {
  const r = await checkSeedWithExtra(extra);
  cleanup(r.dir);
  return r;
}

test('the seed app (healthcheck, no host port) rolls out start-first and gets no DA-CMP-053', async () => {
  const r = await withExtra('services: {}\n');
  expect(byRule(r.findings, 'DA-CMP-053')).toEqual([]);
  expect(rolloutBlocker(r.model!.services.find((s) => s.name === 'app')!)).toBeUndefined();
});

test('a fixed host port: a notice at the service, naming the port; an unpublished port is fine', async () => {
  const fixed = await withExtra('services:\n  app:\n    ports: ["127.0.0.1:8000:8000"]\n');
  const [f] = byRule(fixed.findings, 'DA-CMP-053');
  expect(f).toMatchObject({ severity: 'notice' });
  expect(f!.message).toBe(
    'service "app" cannot roll out without downtime: it publishes the fixed host port 127.0.0.1:8000, which the old container holds',
  );
  // The service's key in the file that sets the port.
  expect(at(f)).toBe('deploy/extra.yml:2');
  const ephemeral = await withExtra('services:\n  app:\n    ports: ["8000"]\n');
  expect(byRule(ephemeral.findings, 'DA-CMP-053')).toEqual([]);
});

test('container_name and scale 2 each block it, with their reason', async () => {
  const name = await withExtra('services:\n  app:\n    container_name: backend\n');
  expect(byRule(name.findings, 'DA-CMP-053')[0]!.message).toContain('it sets container_name "backend"');
  const scale = await withExtra('services:\n  app:\n    scale: 2\n');
  expect(byRule(scale.findings, 'DA-CMP-053')[0]!.message).toContain('it runs 2 replicas');
});

test('no healthcheck, a database and the host network block the deploy but are left to DA-CMP-044, 024, 039', async () => {
  const net = await withExtra('services:\n  app:\n    network_mode: host\n');
  expect(rolloutBlocker(net.model!.services.find((s) => s.name === 'app')!)?.kind).toBe('host-network');
  expect(byRule(net.findings, 'DA-CMP-053')).toEqual([]);
  expect(byRule(net.findings, 'DA-CMP-039')).toHaveLength(1);
  const r = await withExtra(
    'services:\n  worker:\n    image: org/worker:1\n    restart: always\n  db:\n    image: postgres:16\n    restart: always\n    healthcheck: {test: ["CMD", "pg_isready"]}\n',
  );
  const svc = (n: string) => r.model!.services.find((s) => s.name === n)!;
  expect(rolloutBlocker(svc('worker'))?.kind).toBe('no-healthcheck');
  expect(rolloutBlocker(svc('db'))?.kind).toBe('stateful');
  expect(byRule(r.findings, 'DA-CMP-053')).toEqual([]);
  expect(byRule(r.findings, 'DA-CMP-044').map((f) => f.message)).toEqual([
    expect.stringContaining('service "worker" has no healthcheck'),
  ]);
});
