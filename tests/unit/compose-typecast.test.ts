/**
 * Compose casts strings to booleans and numbers after interpolation (compose-go interpolateTypeCastMapping). The
 * whole check runs here — loader, model, rules — so a privileged service written `privileged: yes` is caught.
 */
import { join } from 'node:path';
import { loadCompose } from '../../src/compose/load.js';
import { buildModel } from '../../src/compose/normalize.js';
import { toBoolean, toFloat, toInteger } from '../../src/compose/typecast.js';
import { byRule, check, cleanup, makeProject, PROD_FILES, seedLayout } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function checkPrivileged(value: string, env: Record<string, string> = {}) {
  const dir = makeProject(seedLayout({ 'deploy/extra.yml': `services:\n  app:\n    privileged: ${value}\n` }));
  dirs.push(dir);
  return check(dir, [...PROD_FILES, 'deploy/extra.yml'], env);
}

describe('privileged as Compose reads it (DA-CMP-038)', () => {
  test.each([
    ['yes', {}],
    ['on', {}],
    ['"true"', {}],
    ['${PRIV}', { PRIV: 'yes' }],
  ])('privileged: %s runs privileged and is raised', async (value, env) => {
    const { findings, model } = await checkPrivileged(value, env);
    const app = model!.services.find((s) => s.name === 'app')!;
    expect(app.privileged?.value).toBe(true);
    expect(byRule(findings, 'DA-CMP-038')).toEqual([
      expect.objectContaining({ location: expect.objectContaining({ file: 'deploy/extra.yml', line: 3 }) }),
    ]);
  });

  test.each([
    ['false', {}],
    ['no', {}],
    ['${PRIV}', { PRIV: 'no' }],
  ])('privileged: %s is not privileged and not raised', async (value, env) => {
    const { findings, model } = await checkPrivileged(value, env);
    expect(model!.services.find((s) => s.name === 'app')!.privileged?.value).toBe(false);
    expect(byRule(findings, 'DA-CMP-038')).toEqual([]);
    expect(findings.map((f) => f.ruleId)).toEqual(['DA-CMP-031']);
  });

  test('a value Compose cannot read as a boolean is one clear error on its line', async () => {
    const { findings, model } = await checkPrivileged('maybe');
    expect(model).toBeUndefined();
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: 'DA-CMP-010',
        message: expect.stringContaining('services.app.privileged: Compose cannot read "maybe"'),
        location: expect.objectContaining({ file: 'deploy/extra.yml', line: 3 }),
      }),
    ]);
  });
});

describe('the other values the model reads are cast too', () => {
  test('external, read_only, healthcheck.disable, init, tty, stdin_open, scale, replicas, mode, target', async () => {
    const dir = makeProject(
      {
        'c.yml': [
          'services:',
          '  app:',
          '    image: x:1',
          '    read_only: "${RO}"',
          '    init: "on"',
          '    tty: Y',
          '    stdin_open: off',
          '    scale: "${N}"',
          '    cpus: "0.5"',
          '    deploy: {replicas: "2"}',
          '    healthcheck: {disable: "yes"}',
          '    ports: [{target: "8080", published: "80"}]',
          '    volumes:',
          '      - {type: volume, source: data, target: /data, read_only: "True"}',
          '    secrets:',
          '      - {source: db, mode: "0400"}',
          'volumes:',
          '  data: {external: "yes"}',
          'secrets:',
          '  db: {external: "${EXT}"}',
          '',
        ].join('\n'),
      },
      { git: false },
    );
    dirs.push(dir);
    const load = await loadCompose({ cwd: dir, files: ['c.yml'], env: { RO: 'yes', N: '3', EXT: 'true' } });
    expect(load.issues).toEqual([]);
    const m = buildModel(load, load.issues)!;
    const app = m.services[0]!;
    expect(app.readOnly).toEqual({ value: true, raw: '${RO}', origin: expect.objectContaining({ line: 4 }) });
    expect([app.init?.value, app.tty?.value, app.stdinOpen?.value]).toEqual([true, true, false]);
    expect([app.scale?.value, app.replicas?.value, app.cpus?.value]).toEqual([3, 2, '0.5']);
    expect(app.healthcheck.disabled).toBe(true);
    expect(app.ports[0]).toMatchObject({ target: 8080, published: '80' });
    expect(app.volumes[0]).toMatchObject({ target: '/data', readOnly: true });
    // Compose reads the quoted mode with Atoi: decimal 400; the model keeps the text for the finding.
    expect(app.secrets[0]).toMatchObject({ mode: 400, modeText: '0400' });
    expect(m.volumes['data']!.external).toBe(true);
    expect(m.secrets['db']!.external).toBe(true);
    expect(join(dir, 'c.yml')).toBe(app.origin.file);
  });

  test('a YAML-typed value is left as YAML typed it; only strings are cast', async () => {
    const dir = makeProject(
      { 'c.yml': 'services:\n  app:\n    image: x:1\n    privileged: true\n    scale: 2\n' },
      { git: false },
    );
    dirs.push(dir);
    const load = await loadCompose({ cwd: dir, files: ['c.yml'], env: {} });
    const app = buildModel(load, load.issues)!.services[0]!;
    expect(app.privileged).toEqual({ value: true, origin: expect.any(Object) });
    expect(app.scale?.value).toBe(2);
  });
});

describe('the casts, as Go reads them', () => {
  test('booleans: YAML 1.1 spellings in any case', () => {
    for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', 'tRuE'])
      expect(toBoolean(s)).toBe(true);
    for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])
      expect(toBoolean(s)).toBe(false);
    for (const s of ['', '1', '0', 'enabled', ' yes']) expect(toBoolean(s)).toBeInstanceOf(Error);
  });

  test('integers: base 10 with a sign, nothing else', () => {
    expect([toInteger('42'), toInteger('+7'), toInteger('-3'), toInteger('0400')]).toEqual([42, 7, -3, 400]);
    for (const s of ['', '0x10', '1.5', '1_000', ' 1', '1e3']) expect(toInteger(s)).toBeInstanceOf(Error);
  });

  test('floats: decimals, exponents, inf and nan', () => {
    expect([toFloat('0.5'), toFloat('1.'), toFloat('.25'), toFloat('1e3'), toFloat('-Inf')]).toEqual([
      0.5,
      1,
      0.25,
      1000,
      -Infinity,
    ]);
    expect(toFloat('NaN')).toBeNaN();
    for (const s of ['', 'abc', '1,5', '0.5 ']) expect(toFloat(s)).toBeInstanceOf(Error);
  });
});
