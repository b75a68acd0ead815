// The CLI's flags are action.yml's check inputs (through the generated module), and bad flags get one clear message.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { readInputs, renderFlagsModule } from '../../scripts/cli-flags.mjs';
import { parseCli, usage } from '../../src/cli-args.js';
import { CHECK_FLAGS } from '../../src/cli-flags.generated.js';
import { REPO_ROOT } from '../helpers/paths.js';

const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');

describe('generated CLI flags', () => {
  test('the committed module is what action.yml generates', async () => {
    expect(await read('src/cli-flags.generated.ts')).toBe(renderFlagsModule(await read('action.yml')));
  });

  test('every action.yml input is a check flag, a deploy input or GitHub-only; the check ones are all flags', async () => {
    const yml = await read('action.yml');
    const names = Object.keys((parse(yml) as { inputs: Record<string, unknown> }).inputs);
    const inputs = readInputs(yml);
    expect(inputs.map((i) => i.name)).toEqual(names);
    expect(CHECK_FLAGS.map((f) => f.name)).toEqual(inputs.filter((i) => i.section === 'check').map((i) => i.name));
    expect(CHECK_FLAGS.map((f) => f.name)).toEqual(expect.arrayContaining(['dockerfile', 'sarif-file', 'fail-on']));
  });

  test('a new input under an unknown section comment is refused, not misfiled', () => {
    const yml = 'inputs:\n  # Check\n  a:\n    default: x\n  # Extras\n  b:\n    default: y\n';
    expect(() => readInputs(yml)).toThrow("input 'b' is under '# Extras'");
    expect(readInputs('inputs:\n  # Check\n  build:\n    default: "true"\n')[0]).toMatchObject({
      name: 'build',
      section: 'check',
      boolean: true,
    });
  });
});

describe('parseCli', () => {
  test('flags carry action.yml defaults and given values', () => {
    const cmd = parseCli(['check', '--dockerfile', 'Dockerfile', '--sarif-file=out.sarif', '--format', 'json']);
    if (cmd.kind !== 'check') throw new Error(`expected check, got ${cmd.kind}`);
    expect(cmd.format).toBe('json');
    expect(cmd.inputs).toMatchObject({ mode: 'check', dockerfile: 'Dockerfile', 'sarif-file': 'out.sarif' });
    expect(cmd.inputs['compose-files']).toBe('deploy/docker-compose.yml deploy/docker-compose.prod.yml');
    expect(cmd.inputs['fail-on']).toBe('error');
  });

  test('an unknown flag, a deploy input and a GitHub-only input each get one clear message', () => {
    expect(parseCli(['check', '--sarif-fil', 'x'])).toEqual({
      kind: 'usage-error',
      message: 'Unknown flag --sarif-fil.',
    });
    expect(parseCli(['check', '--ssh-host', 'h'])).toMatchObject({ message: expect.stringContaining('deploy input') });
    expect(parseCli(['check', '--comment'])).toMatchObject({ message: expect.stringContaining('workflow run') });
    expect(parseCli(['check', '--dockerfile'])).toEqual({
      kind: 'usage-error',
      message: expect.stringMatching(/^Option '--dockerfile <value>' argument missing$/),
    });
    expect(parseCli(['lint'])).toEqual({ kind: 'usage-error', message: "Unknown command 'lint'." });
    expect(parseCli(['check', '--format', 'xml'])).toMatchObject({ kind: 'usage-error' });
  });

  test('a true/false input is a switch: --name and --no-name', () => {
    const switches = CHECK_FLAGS.filter((f) => f.boolean);
    for (const flag of switches) {
      const on = parseCli(['check', `--${flag.name}`]);
      const off = parseCli(['check', `--no-${flag.name}`]);
      expect([on.kind === 'check' && on.inputs[flag.name], off.kind === 'check' && off.inputs[flag.name]]).toEqual([
        'true',
        'false',
      ]);
    }
  });

  test('help lists every check flag with its description', () => {
    const text = usage();
    for (const flag of CHECK_FLAGS) {
      expect(text).toContain(flag.default === 'true' ? `--no-${flag.name}\n` : `--${flag.name}`);
      const firstWords = flag.description.replace(/`/g, '').split(/\s+/).slice(0, 3).join(' ');
      expect(text.replace(/\s+/g, ' ')).toContain(firstWords);
    }
    expect(text).toContain('ssh-host');
  });
});
