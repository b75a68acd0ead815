#!/usr/bin/env node
// Release CLI around tags.mjs, used by .github/workflows/release.yml.
//
//   node scripts/release/move-tags.mjs plan TAG                 print the plan; set outputs `prerelease` and `moves`
//   node scripts/release/move-tags.mjs move TAG [--remote NAME] [--dry-run]
//                                                              point each floating tag at TAG's commit and force-push them
//
// Exit codes: 0 done, 1 git failed, 2 the tag is not a release tag (nothing is changed).
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { planTagMoves, TagError } from './tags.mjs';

const USAGE = 'usage: move-tags.mjs plan TAG | move TAG [--remote NAME] [--dry-run]';

function git(args, cwd) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function fail(message, code) {
  // On a runner the message becomes an error annotation; locally it is a plain line on stderr.
  process.stderr.write(`${process.env.GITHUB_ACTIONS === 'true' ? '::error::' : ''}${message}\n`);
  process.exit(code);
}

function main(argv) {
  const [command, tag, ...rest] = argv;
  if ((command !== 'plan' && command !== 'move') || !tag) fail(USAGE, 2);
  let remote = 'origin';
  let dryRun = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--dry-run') dryRun = true;
    else if (rest[i] === '--remote' && rest[i + 1]) remote = rest[++i];
    else fail(`unknown argument '${rest[i]}'\n${USAGE}`, 2);
  }
  const cwd = process.cwd();

  let plan;
  try {
    plan = planTagMoves(tag, git(['tag', '--list', 'v*'], cwd).split('\n').filter(Boolean));
  } catch (error) {
    if (error instanceof TagError) fail(error.message, 2);
    fail(`git tag --list failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  const { release, prerelease, moves } = plan;
  const what = prerelease
    ? `${release.tag} is a pre-release: no floating tag moves.`
    : moves.length
      ? `${release.tag} moves ${moves.join(' and ')}.`
      : `${release.tag} is older than the releases its floating tags point at: no floating tag moves.`;
  console.log(what);

  if (process.env.GITHUB_OUTPUT) {
    appendFileSync(process.env.GITHUB_OUTPUT, `prerelease=${prerelease}\nmoves=${moves.join(' ')}\n`);
  }
  if (command === 'plan' || moves.length === 0) return;

  let commit;
  try {
    commit = git(['rev-parse', '--verify', `refs/tags/${release.tag}^{commit}`], cwd);
  } catch {
    fail(`tag ${release.tag} does not exist in this clone (fetch tags first)`, 1);
  }
  try {
    for (const name of moves) {
      git(['tag', '--force', name, commit], cwd);
      console.log(`${name} -> ${commit}`);
    }
    const refs = moves.map((name) => `refs/tags/${name}`);
    if (dryRun) console.log(`dry run: would run git push --force --atomic ${remote} ${refs.join(' ')}`);
    else git(['push', '--force', '--atomic', remote, ...refs], cwd);
  } catch (error) {
    const stderr = error && typeof error === 'object' && 'stderr' in error ? String(error.stderr).trim() : '';
    fail(`moving ${moves.join(', ')} failed: ${stderr || (error instanceof Error ? error.message : String(error))}`, 1);
  }
}

main(process.argv.slice(2));
