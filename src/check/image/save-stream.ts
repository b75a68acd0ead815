import http from 'node:http';
import type { Readable } from 'node:stream';
import { spawnStreaming } from '../../process/run.js';
import { tail } from '../../util/format.js';

export interface SaveStream {
  stream: Readable;
  /** Resolves when the producer is done; rejects with its error text when it failed. */
  done: Promise<void>;
  cancel(): void;
}

/** The engine's unix socket, when DOCKER_HOST names one or is unset (the default socket). */
export function engineSocket(env: Record<string, string | undefined> = process.env): string | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/**
 * The `docker save` stream of an image. Read straight from the engine's API (`GET /images/{name}/get`, the stream the
 * CLI relays) when the engine is on a unix socket: one process fewer copying every byte. Otherwise (tcp, ssh
 * contexts) from the `docker save` CLI.
 */
export async function openSaveStream(
  image: string,
  env: Record<string, string | undefined> = process.env,
): Promise<SaveStream> {
  const socketPath = engineSocket(env);
  return socketPath ? fromEngineApi(image, socketPath) : fromCli(image);
}

function fromEngineApi(image: string, socketPath: string): Promise<SaveStream> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: `/images/${encodeURIComponent(image)}/get`, method: 'GET' });
    request.on('error', reject);
    request.on('response', (response) => {
      if (response.statusCode === 200) {
        const done = new Promise<void>((ok, fail) => {
          response.on('end', ok);
          response.on('error', fail);
          response.on('aborted', () => fail(new Error('the engine closed the image stream early')));
        });
        resolve({ stream: response, done, cancel: () => request.destroy() });
        return;
      }
      let text = '';
      response.setEncoding('utf8').on('data', (d: string) => (text += d));
      response.on('end', () => {
        let message = text.trim();
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? message;
        } catch {
          /* not JSON: keep the text */
        }
        reject(new Error(`the engine answered ${response.statusCode} for ${image}: ${message}`));
      });
    });
    request.end();
  });
}

async function fromCli(image: string): Promise<SaveStream> {
  const child = spawnStreaming('docker', ['save', image]);
  const done = child.exited.then(({ code, stderr }) => {
    if (code !== 0) throw new Error(tail(stderr, 5) || `docker save exited ${code}`);
  });
  return { stream: child.stdout, done, cancel: () => child.kill() };
}
