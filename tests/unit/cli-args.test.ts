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

  test('a true/false input is a switch: --no-build gives build=false, --build true, neither the default', () => {
    const flags = [
      { name: 'build', description: 'Build the image.', default: 'true', boolean: true },
      { name: 'image', description: 'An image built elsewhere.', default: '', boolean: false },
    ];
    const inputs = (argv: string[]) => {
      const cmd = parseCli(['check', ...argv], flags);
      if (cmd.kind !== 'check') throw new Error(`expected check, got ${JSON.stringify(cmd)}`);
      return { build: cmd.inputs.build, image: cmd.inputs.image };
    };
    expect(inputs(['--no-build'])).toEqual({ build: 'false', image: '' });
    expect(inputs(['--build', '--image', 'docker-archive:app.tar'])).toEqual({
      build: 'true',
      image: 'docker-archive:app.tar',
    });
    expect(inputs([])).toEqual({ build: 'true', image: '' });
    // A switch takes no value.
    expect(parseCli(['check', '--no-build=yes'], flags)).toMatchObject({ kind: 'usage-error' });
    expect(parseCli(['check', '--no-image'], flags)).toEqual({
      kind: 'usage-error',
      message: 'Unknown flag --no-image.',
    });
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
