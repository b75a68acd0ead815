/**
 * List inputs read the way docker/build-push-action reads them, so a workflow moves between the two unchanged: one
 * item per line (as docker/metadata-action prints `tags` and `labels`), each line a CSV record. Without
 * `ignoreComma` a record's fields are separate items (`linux/amd64,linux/arm64`); with it the line stays whole
 * (`type=gha,mode=max`, `id=pip,src=...`). Double quotes protect a comma or a quote (`"a,b"`, `""`); a line that
 * starts with `#` is a comment. csv-parse is the parser build-push-action uses.
 */
import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { UserFacingError } from '../findings/finding.js';

export interface ListOptions {
  /** Keep each line whole: for items that carry commas themselves (`key=value,key=value`). */
  ignoreComma?: boolean;
}

export function parseInputList(input: string, text: string, options: ListOptions = {}): string[] {
  if (text.trim() === '') return [];
  let records: string[][];
  try {
    records = parse(text, {
      columns: false,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      comment: '#',
      // `#` inside an item (a label `description=issue #5`) is text; only a line starting with it is a comment.
      comment_no_infix: true,
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    // The parser's message quotes the offending text, which may be a build secret: give the line only.
    throw new UserFacingError(
      `Input '${input}' line ${typeof error.lines === 'number' ? error.lines : '?'} is not a valid list line (${error.code}); quote an item with "…" and double a quote inside it.`,
      'DA-INP-001',
    );
  }
  const items: string[] = [];
  for (const fields of records) {
    if (options.ignoreComma) items.push(fields.join(','));
    else items.push(...fields);
  }
  return items.map((s) => s.trim()).filter(Boolean);
}
