// The README's first screen is for users: what it does, the pictures (made by scripts/docs/screenshot.sh), the
// minimal workflow, requirements and permissions; the fresh-machine commands live in the contributors' section.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { markdownToHtml } from '../../scripts/docs/markdown-html.mjs';
import { REPO_ROOT } from '../helpers/paths.js';

const read = (file: string) => readFile(path.join(REPO_ROOT, file), 'utf8');

describe('README first screen', () => {
  let readme: string;
  let firstScreen: string;
  beforeAll(async () => {
    readme = await read('README.md');
    // Everything before the detailed usage.
    firstScreen = readme.slice(0, readme.indexOf('## Usage'));
  });

  test('opens with what it does, then the pictures of a real job summary and PR comment', async () => {
    const [title, paragraph] = firstScreen.split('\n\n');
    expect(title).toBe('# deploy-action');
    expect(paragraph).toMatch(/pull request[\s\S]*version tag/);
    for (const image of ['docs/images/pr-comment.png', 'docs/images/job-summary.png']) {
      expect(firstScreen).toContain(`src="${image}"`);
      const png = await readFile(path.join(REPO_ROOT, image));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
    expect(firstScreen).toContain('scripts/docs/screenshot.sh');
    // The pictures' text is the real run's summary.
    expect(await read('docs/images/job-summary.md')).toMatch(/^## deploy-action: /);
    expect(await read('docs/images/pr-comment.md')).toMatch(/^<!-- deploy-action:[^\n]+ -->\n## deploy-action: /);
  });

  test('has a minimal workflow that uses the action, requirements and the permissions of each feature', () => {
    const yaml = /## Minimal workflow\n\n```yaml\n([\s\S]*?)```/.exec(firstScreen)?.[1];
    const workflow = parse(yaml ?? '') as { jobs: { check: { steps: Array<{ uses?: string }> } } };
    expect(workflow.jobs.check.steps.map((s) => s.uses)).toContain('doongzi/deploy-action@v1');
    expect(firstScreen).toMatch(/## Requirements[\s\S]*buildx[\s\S]*Compose v2[\s\S]*`docker` group/);
    for (const permission of ['contents: read', 'pull-requests: write', 'security-events: write'])
      expect(firstScreen).toContain(`\`${permission}\``);
  });

  test('the two fresh-machine commands stay, for contributors', () => {
    const contributing = readme.slice(readme.indexOf('## Contributing'));
    expect(contributing).toContain('npm ci && bash scripts/run-example.sh');
    expect(contributing).toContain('npm ci && npm test');
    expect(firstScreen).not.toContain('npm ci');
  });
});

describe('the pictures renderer', () => {
  test('renders the summary subset: headings, tables with escaped pipes, code links, bold, <br>', () => {
    const html = markdownToHtml(
      '## deploy-action: ❌ Check failed\n\n| A | B |\n|---|---|\n| [`f.yml:5`](https://x.invalid/b#L5) | a \\| b<br>**Fix:** <x> |\n',
    );
    expect(html).toBe(
      '<h2>deploy-action: ❌ Check failed</h2>\n<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr>' +
        '<td><a href="https://x.invalid/b#L5"><code>f.yml:5</code></a></td><td>a | b<br><strong>Fix:</strong> &lt;x&gt;</td></tr></tbody></table>',
    );
  });
});
