/**
 * The optional sticky PR comment (`comment: true`): the job summary posted once on the pull request and edited in
 * place on later pushes, found again by a hidden marker carrying its key, so two checks in one pull request (two
 * jobs, two projects of a monorepo) each keep their own comment. No side effects at import: @actions/github reads the
 * event file and the API URL when it is loaded, so it is loaded only when a comment is actually posted.
 */
import { readFile } from 'node:fs/promises';
import type { CheckResult } from '../check/check-result.js';
import { blobLinksFromEnv, renderSummary } from './summary.js';

/** The hidden marker that opens the comment of `key`. */
export function commentMarker(key: string): string {
  return `<!-- deploy-action:${key} -->`;
}

/**
 * The comment's key: the `comment-key` input, else the job, working directory and Dockerfile, which tell the checks
 * of one pull request apart. Kept to characters that cannot end the HTML comment early.
 */
export function commentKey(
  explicit: string,
  parts: { job?: string; workingDirectory: string; dockerfile: string },
): string {
  const raw = explicit.trim() || [parts.job || 'check', parts.workingDirectory || '.', parts.dockerfile].join(':');
  return raw.replace(/[^\w.:/@+-]/g, '_').replace(/-{2,}/g, '-');
}

/** GitHub refuses comment bodies over 65536 characters. */
export const MAX_COMMENT_LENGTH = 65_536;

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
}

export type CommentOutcome = StickyCommentResult | { action: 'skipped'; reason: string };

type Env = Readonly<Record<string, string | undefined>>;

/** The marker, then the summary, cut to GitHub's limit with a pointer to the job summary when it is too long. */
export function commentBody(summary: string, key: string): string {
  const head = `${commentMarker(key)}\n`;
  const body = head + summary;
  if (body.length <= MAX_COMMENT_LENGTH) return body;
  const note = '\n\n… cut to fit a comment; the job summary of this run lists every finding.\n';
  const cut = summary.slice(0, MAX_COMMENT_LENGTH - head.length - note.length);
  // Cut at a line end so a table row is never half-shown.
  return head + cut.slice(0, Math.max(0, cut.lastIndexOf('\n'))) + note;
}

/** The pull request of the event that started the run (`pull_request`, `pull_request_target`, or a PR's issue comment). */
export function commentTargetFromEvent(payload: unknown, repository: string | undefined): CommentTarget | undefined {
  const [owner, repo, ...rest] = (repository ?? '').split('/');
  if (!owner || !repo || rest.length) return undefined;
  const p = (payload ?? {}) as {
    pull_request?: { number?: unknown };
    issue?: { number?: unknown; pull_request?: unknown };
  };
  const number = p.pull_request?.number ?? (p.issue?.pull_request ? p.issue.number : undefined);
  return typeof number === 'number' && Number.isInteger(number) && number > 0
    ? { owner, repo, issueNumber: number }
    : undefined;
}

/**
 * Creates the comment, or updates the earlier one carrying the marker of `key` (the first, if a race made two); the
 * comments of other keys are left alone. Pages through every comment of the PR, since the action's comment sinks
 * below later discussion.
 */
export async function upsertStickyComment(
  token: string,
  target: CommentTarget,
  body: string,
  apiUrl: string,
  key: string,
): Promise<StickyCommentResult> {
  const { getOctokit } = await import('@actions/github');
  const octokit = getOctokit(token, { baseUrl: apiUrl.replace(/\/+$/, '') });
  const { owner, repo, issueNumber } = target;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  // The marker line opens the body; a comment quoting it (`> <!-- ...`) is someone else's.
  const marker = `${commentMarker(key)}\n`;
  const earlier = comments.find((c) => c.body?.startsWith(marker));
  if (earlier) {
    if (earlier.body === body) return { action: 'unchanged', id: earlier.id, url: earlier.html_url };
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: earlier.id, body });
    return { action: 'updated', id: data.id, url: data.html_url };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: data.id, url: data.html_url };
}

/** The comment's markdown: `extra` (the deploy plan) first, then the check's summary with its findings. */
export function commentMarkdown(
  result: CheckResult,
  toWorkspacePath: (file: string) => string,
  env: Env,
  extra?: string,
): string {
  const summary = renderSummary(result, toWorkspacePath, { links: blobLinksFromEnv(env) });
  return extra ? `${extra}\n${summary}` : summary;
}

/** Posts the check's summary as the sticky comment on the run's pull request; skips (with the reason) outside one. */
export async function postCheckComment(options: {
  token: string;
  result: CheckResult;
  toWorkspacePath: (file: string) => string;
  /** From `commentKey`. */
  key: string;
  env?: Env;
  /** Markdown before the check's summary (`mode: plan`: the deploy plan), so a cut to fit never drops it. */
  extra?: string;
}): Promise<CommentOutcome> {
  const env = options.env ?? process.env;
  if (!options.token) return { action: 'skipped', reason: 'comment: true needs the github-token input' };
  if (!env.GITHUB_EVENT_PATH)
    return { action: 'skipped', reason: 'no GITHUB_EVENT_PATH: not running on GitHub Actions' };
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8'));
  } catch (error) {
    return {
      action: 'skipped',
      reason: `cannot read the event payload: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const target = commentTargetFromEvent(payload, env.GITHUB_REPOSITORY);
  if (!target)
    return { action: 'skipped', reason: `the ${env.GITHUB_EVENT_NAME ?? 'current'} event is not about a pull request` };
  const body = commentBody(commentMarkdown(options.result, options.toWorkspacePath, env, options.extra), options.key);
  return upsertStickyComment(options.token, target, body, env.GITHUB_API_URL || 'https://api.github.com', options.key);
}
