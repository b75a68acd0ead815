import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompose } from '../../src/compose/check.js';
import { at, byRule, cleanup, makeProject } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function run(files: Record<string, string>, order: string[], env: Record<string, string> = {}) {
  const dir = makeProject(files, { git: false });
  dirs.push(dir);
  return checkCompose({ cwd: dir, files: order, env });
}

const ok = 'services:\n  app:\n    image: org/app:1.0\n';

describe('bad input gives one clear finding at file:line, never a throw', () => {
  test('YAML syntax error at its line', async () => {
    const r = await run({ 'a.yml': ok, 'b.yml': 'services:\n  app:\n    image: [unclosed\n    user: x\n' }, [
      'a.yml',
      'b.yml',
    ]);
    expect(r.model).toBeUndefined();
    const f = byRule(r.findings, 'DA-CMP-002');
    expect(f).toHaveLength(1);
    expect(f[0]!.location!.file).toBe('b.yml');
    expect(f[0]!.location!.line).toBeGreaterThanOrEqual(3);
    expect(f[0]!.message).toMatch(/YAML syntax error/);
  });

  test('duplicate keys are a syntax error, as in Compose', async () => {
    const r = await run({ 'a.yml': 'services:\n  app:\n    image: a:1\n    image: b:1\n' }, ['a.yml']);
    expect(at(byRule(r.findings, 'DA-CMP-002')[0])).toBe('a.yml:4');
  });

  test('an alias bomb is refused quickly', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const p = String.fromCharCode(97 + i - 1);
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${p}`).join(',')}]`,
      );
    }
    const t = Date.now();
    const r = await run({ 'a.yml': `x-bomb:\n  ${lines.join('\n  ')}\nservices: {}\n` }, ['a.yml']);
    expect(Date.now() - t).toBeLessThan(5000);
    expect(at(byRule(r.findings, 'DA-CMP-003')[0])).toMatch(/^a\.yml:\d+$/);
  });

  test('a 50 MB file is refused before parsing', async () => {
    const dir = makeProject({}, { git: false });
    dirs.push(dir);
    writeFileSync(join(dir, 'huge.yml'), `services: {}\nx-pad: "${'a'.repeat(50 * 1024 * 1024)}"\n`);
    const t = Date.now();
    const r = await checkCompose({ cwd: dir, files: ['huge.yml'], env: {} });
    expect(Date.now() - t).toBeLessThan(2000);
    expect(r.findings).toEqual([
      expect.objectContaining({
        ruleId: 'DA-CMP-004',
        severity: 'error',
        location: expect.objectContaining({ file: 'huge.yml', line: 1 }),
      }),
    ]);
  });

  test('a list or a scalar is not a compose file', async () => {
    const list = await run({ 'a.yml': '- services\n- app\n' }, ['a.yml']);
    expect(at(byRule(list.findings, 'DA-CMP-005')[0])).toBe('a.yml:1');
    expect(byRule(list.findings, 'DA-CMP-005')[0]!.message).toContain('list');
    const scalar = await run({ 'a.yml': '# just text\nhello world\n' }, ['a.yml']);
    expect(at(byRule(scalar.findings, 'DA-CMP-005')[0])).toBe('a.yml:2');
  });

  test('an unknown top-level key, at its line; x- extensions pass', async () => {
    const r = await run({ 'a.yml': `${ok}x-ok: 1\nservice:\n  db: {}\n` }, ['a.yml']);
    expect(byRule(r.findings, 'DA-CMP-006').map(at)).toEqual(['a.yml:5']);
  });

  test('a secret referenced but never defined', async () => {
    const r = await run({ 'a.yml': `${ok}    secrets:\n      - source: nope\n        mode: 0400\n` }, ['a.yml']);
    expect(at(byRule(r.findings, 'DA-CMP-009')[0])).toBe('a.yml:5');
  });

  test('${VAR:?msg} unset, and an invalid template', async () => {
    const r = await run(
      { 'a.yml': 'services:\n  app:\n    image: org/app:${TAG:?set TAG to the release}\n    user: "${oops"\n' },
      ['a.yml'],
    );
    expect(byRule(r.findings, 'DA-CMP-007')[0]).toMatchObject({
      location: { file: 'a.yml', line: 3 },
      message: expect.stringContaining('set TAG to the release'),
    });
    expect(at(byRule(r.findings, 'DA-CMP-008')[0])).toBe('a.yml:4');
    const set = await run({ 'a.yml': 'services:\n  app:\n    image: org/app:${TAG:?set TAG}\n' }, ['a.yml'], {
      TAG: '1.0',
    });
    expect(byRule(set.findings, 'DA-CMP-007')).toEqual([]);
  });

  test('a missing compose file, a mapping overridden by a list, an unknown extends target', async () => {
    const missing = await run({ 'a.yml': ok }, ['a.yml', 'nope.yml']);
    expect(at(byRule(missing.findings, 'DA-CMP-001')[0])).toBe('nope.yml:1');
    const clash = await run(
      { 'a.yml': `${ok}    environment: {A: "1"}\n    deploy: {}\n`, 'b.yml': 'services:\n  app:\n    deploy: [x]\n' },
      ['a.yml', 'b.yml'],
    );
    expect(at(byRule(clash.findings, 'DA-CMP-010')[0])).toBe('b.yml:3');
    const ext = await run({ 'a.yml': 'services:\n  app:\n    extends: ghost\n' }, ['a.yml']);
    expect(at(byRule(ext.findings, 'DA-CMP-010')[0])).toBe('a.yml:3');
  });

  test('an unknown YAML tag and an empty file', async () => {
    const tag = await run({ 'a.yml': 'services:\n  app: !weird {}\n' }, ['a.yml']);
    expect(at(byRule(tag.findings, 'DA-CMP-010')[0])).toBe('a.yml:2');
    const empty = await run({ 'a.yml': '', 'b.yml': ok }, ['a.yml', 'b.yml']);
    expect(empty.model?.services.map((s) => s.name)).toEqual(['app']);
  });
});
