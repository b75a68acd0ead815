// `include:` merged as Compose merges it (tests/fixtures/compose-merge/24-include holds the recording); here:
// findings land in the included file, and what Compose refuses is refused at its line.
import { checkCompose } from '../../src/compose/check.js';
import { at, byRule, cleanup, makeProject } from './compose-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(cleanup));

async function run(files: Record<string, string>, env: Record<string, string> = {}) {
  const dir = makeProject(files, { git: false });
  dirs.push(dir);
  return checkCompose({ cwd: dir, files: ['compose.yml'], env });
}

const main = (include: string) => `include:\n${include}services:\n  app:\n    image: org/app:1.0\n`;

describe('include:', () => {
  test('catches a privileged service in an included file, at its line there (short syntax)', async () => {
    const r = await run({
      'compose.yml': main('  - infra/compose.yml\n'),
      'infra/compose.yml': 'services:\n  agent:\n    image: org/agent:1.0\n    privileged: true\n',
    });
    expect(byRule(r.findings, 'DA-CMP-038').map(at)).toEqual(['infra/compose.yml:4']);
  });
  test('long syntax: env_file feeds the included interpolation; project_directory anchors its paths', async () => {
    const r = await run({
      'compose.yml': main(
        '  - path: infra/compose.yml\n    project_directory: infra/root\n    env_file: infra/tags.env\n',
      ),
      'infra/tags.env': 'AGENT_USER=root\n',
      'infra/compose.yml':
        'services:\n  agent:\n    image: org/agent:1.0\n    user: ${AGENT_USER}\n    volumes:\n      - ./data:/var/lib/agent\n',
    });
    expect(byRule(r.findings, 'DA-CMP-037').map(at)).toEqual(['infra/compose.yml:4']);
    const agent = r.model!.services.find((s) => s.name === 'agent')!;
    expect(agent.volumes[0]!.resolvedSource).toMatch(/\/infra\/root\/data$/);
  });
  test('does not catch anything in a clean included file; its services are in the model', async () => {
    const r = await run({
      'compose.yml': main('  - infra/compose.yml\n'),
      'infra/compose.yml': 'services:\n  agent:\n    image: org/agent:1.0\n    user: "10001"\n',
    });
    expect(byRule(r.findings, 'DA-CMP-038')).toEqual([]);
    expect(byRule(r.findings, 'DA-CMP-037')).toEqual([]);
    expect(r.model!.services.map((s) => s.name).sort()).toEqual(['agent', 'app']);
  });
  test('a service defined differently in both files is refused, as Compose refuses it', async () => {
    const r = await run({
      'compose.yml': main('  - infra/compose.yml\n'),
      'infra/compose.yml': 'services:\n  app:\n    image: org/other:1.0\n',
    });
    expect(r.model).toBeUndefined();
    expect(byRule(r.findings, 'DA-CMP-010').map((f) => [at(f), f.message])).toEqual([
      ['compose.yml:4', 'services.app conflicts with imported resource'],
    ]);
  });
  test('an include cycle and a missing included file are errors at the include entry', async () => {
    const cycle = await run({
      'compose.yml': main('  - infra/compose.yml\n'),
      'infra/compose.yml': 'include:\n  - ../compose.yml\nservices: {}\n',
    });
    expect(byRule(cycle.findings, 'DA-CMP-010')[0]!.message).toMatch(/include cycle detected/);
    const missing = await run({ 'compose.yml': main('  - infra/nope.yml\n') });
    expect(byRule(missing.findings, 'DA-CMP-010').map(at)).toEqual(['compose.yml:2']);
  });
});
