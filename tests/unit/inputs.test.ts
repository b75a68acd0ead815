import { parseBuildArgs, readCheckInputs, splitList } from '../../src/action/inputs.js';
import { UserFacingError } from '../../src/findings/finding.js';

describe('check inputs', () => {
  test('defaults resolve against the working directory', () => {
    const inputs = readCheckInputs((name) => ({ 'working-directory': 'svc' })[name] ?? '', '/ws');
    expect(inputs).toMatchObject({
      mode: 'check',
      workingDirectory: '/ws/svc',
      dockerfile: '/ws/svc/deploy/Dockerfile',
      context: '/ws/svc',
      target: undefined,
      composeFiles: ['/ws/svc/deploy/docker-compose.yml', '/ws/svc/deploy/docker-compose.prod.yml'],
      failOn: 'error',
    });
  });
  test('lists split on newlines, spaces and commas; build-args keep everything after the first =', () => {
    expect(splitList('a b\nc,d\n\n')).toEqual(['a', 'b', 'c', 'd']);
    expect([...parseBuildArgs('A=1\n# note\nB = x=y z\n')]).toEqual([
      ['A', '1'],
      ['B', ' x=y z'],
    ]);
  });
  test('bad values name the input', () => {
    expect(() => readCheckInputs((n) => (n === 'fail-on' ? 'sometimes' : ''), '/ws')).toThrow(
      /Input 'fail-on' must be one of error, warning, never/,
    );
    expect(() => parseBuildArgs('NOVALUE')).toThrow(UserFacingError);
  });
});
