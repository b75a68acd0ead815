#!/usr/bin/env node
// The README pictures, from a real run: the example checkout with a pull request's two mistakes (a token in an ENV,
// the Docker socket mounted in prod) is checked by dist/index.js as the runner runs it (scripts/local-runner.mjs),
// with `comment: true` against a stand-in for the GitHub API on 127.0.0.1 that keeps the comment it is sent. The job
// summary and the comment body are rendered to HTML (markdown-html.mjs) and shot with Debian's headless Chromium.
// Run through scripts/docs/screenshot.sh, which starts the engine and bundles dist first.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runActionLocally } from '../local-runner.mjs';
import { page } from './markdown-html.mjs';

const OUT = path.join(REPO_ROOT, 'docs/images');
const WIDTH = 1100;
const PR = 12;

async function exampleWithMistakes(dir) {
  await cp(path.join(REPO_ROOT, 'examples/doongzi-backend'), dir, { recursive: true });
  const dockerfile = path.join(dir, 'deploy/Dockerfile');
  await writeFile(dockerfile, `${await readFile(dockerfile, 'utf8')}ENV SENTRY_AUTH_TOKEN=sntrys_0123456789abcdef\n`);
  const prod = path.join(dir, 'deploy/docker-compose.prod.yml');
  const text = await readFile(prod, 'utf8');
  await writeFile(
    prod,
    text.replace('  app:\n', '  app:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n'),
  );
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' }).toString().trim();
  git('init', '-q');
  git('add', '-A');
  git(
    '-c',
    'user.name=example',
    '-c',
    'user.email=example@example.invalid',
    'commit',
    '-qm',
    'Report errors to Sentry',
  );
  return git('rev-parse', 'HEAD');
}

/** Answers the two calls the sticky comment makes (list, create) and keeps the body it was sent. */
async function fakeGitHub() {
  const posted = [];
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    res.setHeader('content-type', 'application/json');
    if (req.method === 'GET') return res.end('[]');
    const { body } = JSON.parse(text || '{}');
    posted.push(body);
    res.statusCode = 201;
    res.end(
      JSON.stringify({ id: 1, body, html_url: `https://github.com/doongzi/doongzi-backend/pull/${PR}#issuecomment-1` }),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { posted, url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

function shoot(html, png) {
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1'];
  // First pass: the page reports its height, so the picture is cut to the content.
  const dom = execFileSync('chromium', [...flags, '--dump-dom', `file://${html}`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const height = Number(/data-height="(\d+)"/.exec(dom.toString())?.[1] ?? 900);
  execFileSync('chromium', [...flags, `--window-size=${WIDTH},${height}`, `--screenshot=${png}`, `file://${html}`], {
    stdio: 'ignore',
  });
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'deploy-action-screenshot-'));
const api = await fakeGitHub();
try {
  const workspace = path.join(tmp, 'doongzi-backend');
  const sha = await exampleWithMistakes(workspace);
  const event = path.join(tmp, 'event.json');
  await writeFile(event, JSON.stringify({ action: 'synchronize', number: PR, pull_request: { number: PR } }));
  const run = await runActionLocally({
    workspace,
    inputs: { network: 'none', comment: 'true', 'github-token': 'not-a-real-token' },
    env: {
      GITHUB_API_URL: api.url,
      GITHUB_EVENT_PATH: event,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_SHA: sha,
      GITHUB_JOB: 'check',
      GITHUB_ACTION: 'check',
    },
  });
  if (!run.summary || api.posted.length !== 1) {
    process.stderr.write(`${run.stdout}\n${run.stderr}\n`);
    throw new Error(`the run made no summary or comment (exit ${run.code}, ${api.posted.length} comments)`);
  }
  const shots = [
    ['pr-comment', '<strong>github-actions</strong> <span>bot</span> commented', api.posted[0]],
    ['job-summary', '<strong>check</strong> summary', run.summary],
  ];
  for (const [name, title, md] of shots) {
    await writeFile(path.join(OUT, `${name}.md`), md);
    const html = path.join(tmp, `${name}.html`);
    await writeFile(html, page(title, md, WIDTH));
    shoot(html, path.join(OUT, `${name}.png`));
    process.stdout.write(`docs/images/${name}.png (and .md) from a run that exited ${run.code}\n`);
  }
} finally {
  api.close();
  await rm(tmp, { recursive: true, force: true });
}
