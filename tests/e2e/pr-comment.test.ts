// The sticky PR comment against a local server speaking the REST endpoints it uses: list issue comments (paginated by
// Link headers), create a comment, update a comment. GITHUB_API_URL points at the server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Finding, RuleId } from '../../src/findings/finding.js';
import type { CheckResult } from '../../src/check/check-result.js';
import {
  commentBody,
  commentKey,
  commentMarker,
  MAX_COMMENT_LENGTH,
  postCheckComment,
} from '../../src/report/pr-comment.js';

interface StoredComment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

const TOKEN = 'test-token-1234';
const PAGE_SIZE = 2; // Small pages, so the action's comment sits past the first page.

let server: http.Server;
let apiUrl: string;
let dir: string;
let nextId = 1000;
const comments: StoredComment[] = [];
const requests: string[] = [];

function send(res: http.ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(data));
}

function asApi(c: StoredComment) {
  return {
    ...c,
    html_url: `https://github.invalid/doongzi/backend/pull/7#issuecomment-${c.id}`,
    node_id: `IC_${c.id}`,
  };
}

async function readBody(req: http.IncomingMessage): Promise<{ body?: unknown }> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text || '{}') as { body?: unknown };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', apiUrl);
  requests.push(`${req.method} ${url.pathname}${url.search}`);
  if (req.headers.authorization !== `token ${TOKEN}`) return send(res, 401, { message: 'Bad credentials' });
  if (req.method === 'GET' && url.pathname === '/repos/doongzi/backend/issues/7/comments') {
    const page = Number(url.searchParams.get('page') ?? '1');
    const last = Math.max(1, Math.ceil(comments.length / PAGE_SIZE));
    const link: Record<string, string> = {};
    if (page < last) {
      link.link = `<${apiUrl}/repos/doongzi/backend/issues/7/comments?per_page=${PAGE_SIZE}&page=${page + 1}>; rel="next"`;
    }
    return send(res, 200, comments.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map(asApi), link);
  }
  if (req.method === 'POST' && url.pathname === '/repos/doongzi/backend/issues/7/comments') {
    const { body } = await readBody(req);
    if (typeof body !== 'string') return send(res, 422, { message: 'body is required' });
    const c = { id: nextId++, body, user: { login: 'github-actions[bot]', type: 'Bot' } };
    comments.push(c);
    return send(res, 201, asApi(c));
  }
  const patch = /^\/repos\/doongzi\/backend\/issues\/comments\/(\d+)$/.exec(url.pathname);
  if (req.method === 'PATCH' && patch) {
    const c = comments.find((x) => x.id === Number(patch[1]));
    if (!c) return send(res, 404, { message: 'Not Found' });
    const { body } = await readBody(req);
    if (typeof body !== 'string') return send(res, 422, { message: 'body is required' });
    c.body = body;
    return send(res, 200, asApi(c));
  }
  send(res, 404, { message: 'Not Found' });
}

const finding = (ruleId: RuleId, message: string): Finding => ({
  ruleId,
  severity: 'error',
  message,
  location: { file: 'deploy/docker-compose.prod.yml', line: 4 },
});
const result = (findings: Finding[]): CheckResult => ({
  findings,
  image: undefined,
  dockerfile: 'deploy/Dockerfile',
  composeFiles: ['deploy/docker-compose.yml', 'deploy/docker-compose.prod.yml'],
  durationMs: 2100,
});

let env: Record<string, string>;
// The default key of a check at the repository root, as the action derives it.
const KEY = commentKey('', { job: 'check', workingDirectory: '.', dockerfile: 'deploy/Dockerfile' });
const COMMENT_MARKER = commentMarker(KEY);
const SHA = '0123456789abcdef0123456789abcdef01234567';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-comment-'));
  const eventPath = path.join(dir, 'event.json');
  await writeFile(eventPath, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7 } }));
  env = {
    GITHUB_API_URL: apiUrl,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REPOSITORY: 'doongzi/backend',
    GITHUB_SERVER_URL: 'https://github.invalid',
    GITHUB_SHA: SHA,
  };
  // Discussion that was there before the action ran, including one quoting the marker.
  for (const body of ['LGTM', `> ${COMMENT_MARKER}\n> quoted from the bot`, 'one more thing']) {
    comments.push({ id: nextId++, body, user: { login: 'reviewer', type: 'User' } });
  }
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('sticky PR comment', () => {
  const same = (p: string) => p;
  let firstId: number;

  test('the first run creates one comment with the marker and the job summary', async () => {
    const outcome = await postCheckComment({
      token: TOKEN,
      result: result([finding('DA-CMP-021', 'docker.sock is mounted')]),
      toWorkspacePath: same,
      key: KEY,
      env,
    });
    expect(outcome).toMatchObject({ action: 'created' });
    firstId = (outcome as { id: number }).id;
    const mine = comments.filter((c) => c.body.startsWith(COMMENT_MARKER));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).toBe(firstId);
    expect(mine[0]!.body).toContain('## deploy-action: ❌ Check failed');
    expect(mine[0]!.body).toContain('docker.sock is mounted');
    // Each finding links its line at the commit, and says how to fix it.
    expect(mine[0]!.body).toContain(
      `[\`deploy/docker-compose.prod.yml:4\`](https://github.invalid/doongzi/backend/blob/${SHA}/deploy/docker-compose.prod.yml#L4)`,
    );
    expect(mine[0]!.body).toContain('**Fix:**');
    expect(mine[0]!.body).toContain('1 error, 0 warnings, 0 notices');
    // It looked through every page before deciding to create.
    expect(requests.filter((r) => r.startsWith('GET')).length).toBe(2);
  });

  test('a later run updates the same comment in place; other comments are untouched', async () => {
    const before = comments.filter((c) => c.id !== firstId).map((c) => ({ ...c }));
    requests.length = 0;
    const outcome = await postCheckComment({ token: TOKEN, result: result([]), toWorkspacePath: same, key: KEY, env });
    expect(outcome).toMatchObject({ action: 'updated', id: firstId });
    expect(requests.some((r) => r === `PATCH /repos/doongzi/backend/issues/comments/${firstId}`)).toBe(true);
    expect(requests.some((r) => r.startsWith('POST'))).toBe(false);
    expect(comments.filter((c) => c.body.startsWith(COMMENT_MARKER))).toHaveLength(1);
    expect(comments.find((c) => c.id === firstId)!.body).toContain('✅ Check passed');
    expect(comments.filter((c) => c.id !== firstId)).toEqual(before);
  });

  test('the comment is found past the first page, after later discussion', async () => {
    comments.push({ id: nextId++, body: 'fixed, thanks', user: { login: 'author', type: 'User' } });
    requests.length = 0;
    const outcome = await postCheckComment({
      token: TOKEN,
      result: result([finding('DA-CMP-038', 'privileged')]),
      toWorkspacePath: same,
      key: KEY,
      env,
    });
    expect(outcome).toMatchObject({ action: 'updated', id: firstId });
    expect(requests.filter((r) => r.startsWith('GET')).length).toBe(3);
  });

  test('an identical summary makes no write', async () => {
    requests.length = 0;
    const outcome = await postCheckComment({
      token: TOKEN,
      result: result([finding('DA-CMP-038', 'privileged')]),
      toWorkspacePath: same,
      key: KEY,
      env,
    });
    expect(outcome).toMatchObject({ action: 'unchanged', id: firstId });
    expect(requests.every((r) => r.startsWith('GET'))).toBe(true);
  });

  test('two keyed checks in one pull request each keep their own comment', async () => {
    const otherKey = commentKey('', {
      job: 'check',
      workingDirectory: 'services/api',
      dockerfile: 'services/api/deploy/Dockerfile',
    });
    expect(otherKey).not.toBe(KEY);
    const post = (key: string, findings: Finding[]) =>
      postCheckComment({ token: TOKEN, result: result(findings), toWorkspacePath: same, key, env });
    const created = await post(otherKey, [finding('DA-CMP-021', 'api mounts docker.sock')]);
    expect(created).toMatchObject({ action: 'created' });
    const otherId = (created as { id: number }).id;
    expect(otherId).not.toBe(firstId);
    // Updating one key leaves the other's comment as it was.
    const firstBody = comments.find((c) => c.id === firstId)!.body;
    expect(await post(otherKey, [])).toMatchObject({ action: 'updated', id: otherId });
    expect(comments.find((c) => c.id === firstId)!.body).toBe(firstBody);
    expect(await post(KEY, [finding('DA-CMP-038', 'root key again')])).toMatchObject({
      action: 'updated',
      id: firstId,
    });
    expect(comments.find((c) => c.id === otherId)!.body).toContain('✅ Check passed');
    expect(comments.find((c) => c.id === firstId)!.body).toContain('root key again');
    const ours = comments.filter((c) => c.body.startsWith('<!-- deploy-action:'));
    expect(ours.map((c) => c.body.split('\n')[0]).sort()).toEqual([commentMarker(KEY), commentMarker(otherKey)].sort());
    // An explicit key wins, and cannot close the hidden comment early.
    expect(commentKey('api --> x', { workingDirectory: '.', dockerfile: 'Dockerfile' })).toBe('api_-__x');
  });

  test('outside a pull request, or without a token, nothing is posted', async () => {
    requests.length = 0;
    const pushEvent = path.join(dir, 'push.json');
    await writeFile(pushEvent, JSON.stringify({ ref: 'refs/heads/main' }));
    await expect(
      postCheckComment({
        token: TOKEN,
        result: result([]),
        toWorkspacePath: same,
        key: KEY,
        env: { ...env, GITHUB_EVENT_PATH: pushEvent, GITHUB_EVENT_NAME: 'push' },
      }),
    ).resolves.toEqual({ action: 'skipped', reason: 'the push event is not about a pull request' });
    await expect(
      postCheckComment({ token: '', result: result([]), toWorkspacePath: same, key: KEY, env }),
    ).resolves.toMatchObject({
      action: 'skipped',
    });
    expect(requests).toEqual([]);
  });

  test('a summary too long for a comment is cut at a line end and says so', () => {
    const body = commentBody(
      Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${'x'.repeat(20)} |`).join('\n'),
      KEY,
    );
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toMatch(/\|\n\n… cut to fit a comment/);
  });
});
