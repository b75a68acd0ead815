// A small renderer for the Markdown the job summary uses (headings, paragraphs, pipe tables, inline code, links, bold,
// <br>), styled like GitHub, for the README pictures. The summary's subset is small and fixed, so no dependency.

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Inline Markdown: code spans first (their text is literal), then links, bold and the summary's own <br>. */
export function inline(text) {
  const parts = text.split(/(`[^`]*`)/);
  return parts
    .map((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length > 1)
        return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/\\\|/g, '|')
        .replace(/&lt;br&gt;/g, '<br>')
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
    })
    .join('')
    .replace(/\[([^\]]*(?:<code>[^<]*<\/code>[^\]]*)*)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
}

/** Splits a table row on pipes that are not escaped. */
function cells(row) {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

export function markdownToHtml(md) {
  const out = [];
  const lines = md.replace(/^<!--.*-->\n/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const heading = /^(#{1,6}) (.*)$/.exec(line);
    if (heading) {
      out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`);
    } else if (line.startsWith('|') && /^\|[-| :]+\|$/.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      const rows = [];
      for (i += 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(cells(lines[i]));
      i--;
      const th = head.some(Boolean)
        ? `<thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead>`
        : '';
      out.push(
        `<table>${th}<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
      );
    } else {
      out.push(`<p>${inline(line)}</p>`);
    }
  }
  return out.join('\n');
}

const STYLE = `
body { margin: 0; background: #fff; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif, "Noto Color Emoji"; color: #1f2328; }
.frame { margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
.frame > header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; border-radius: 6px 6px 0 0; color: #59636e; }
.frame > header strong { color: #1f2328; }
.body { padding: 8px 16px 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 16px 0 12px; }
h3 { font-size: 1.25em; margin: 20px 0 10px; }
table { border-collapse: collapse; margin: 0 0 12px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; vertical-align: top; text-align: left; }
th { font-weight: 600; } tr:nth-child(2n) td { background: #f6f8fa; }
code { font: 85% ui-monospace, "DejaVu Sans Mono", monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
a { color: #0969da; text-decoration: none; } a code { color: #0969da; }
`;

/** A whole page: the rendered Markdown in a GitHub-like frame titled `title`. */
export function page(title, md, width) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE} body { width: ${width}px; }</style></head>
<body><div class="frame"><header>${title}</header><div class="body">${markdownToHtml(md)}</div></div>
<script>document.body.dataset.height = String(Math.ceil(document.documentElement.scrollHeight));</script></body></html>`;
}
