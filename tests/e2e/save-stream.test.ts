import { createHash } from 'node:crypto';
import { engineSocket, openSaveStream } from '../../src/check/image/save-stream.js';

const IMAGE = 'deploy-action-test/busybox:latest';
/** Forces the CLI path: the engine is then reached by `docker save` with this process's own environment. */
const CLI_ENV = { DOCKER_HOST: 'tcp://cli-path.invalid:2375' };

async function digest(env?: Record<string, string>) {
  const save = await openSaveStream(IMAGE, env);
  const hash = createHash('sha256');
  for await (const chunk of save.stream) hash.update(chunk as Buffer);
  await save.done;
  return hash.digest('hex');
}

describe('the docker save stream', () => {
  test('the engine API and the docker save CLI give the same bytes', async () => {
    expect(engineSocket({})).toBe('/var/run/docker.sock');
    expect(engineSocket({ DOCKER_HOST: 'unix:///run/x.sock' })).toBe('/run/x.sock');
    expect(engineSocket(CLI_ENV)).toBeUndefined();
    expect(await digest()).toBe(await digest(CLI_ENV));
  });

  test('an unknown image is a clear error on both paths', async () => {
    await expect(openSaveStream('deploy-action-test/no-such-image:1')).rejects.toThrow(
      /404 for deploy-action-test\/no-such-image:1: reference does not exist/,
    );
    const cli = await openSaveStream('deploy-action-test/no-such-image:1', CLI_ENV);
    cli.stream.resume();
    await expect(cli.done).rejects.toThrow(/no such image|not found|reference does not exist/i);
  });
});
