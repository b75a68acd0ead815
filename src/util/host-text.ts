/**
 * Text that came from a host (a manifest value, a command's stderr, docker output) made safe to log and summarise.
 * The runner reads any stdout line that starts with `::` (after white space) as a workflow command (`::add-mask::`,
 * `::warning::`, `::stop-commands::`), and control characters rewrite the terminal or the annotation: so every
 * control character but the line break and tab is shown as `\xNN`/`\uNNNN`, and a leading `::` loses its meaning.
 * Idempotent, so applying it at the source and again at the sink is harmless.
 */
// C0 (but \t and \n), DEL, C1, and the Unicode line/paragraph separators and bidi controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(c: string): string {
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

export function hostText(text: string): string {
  return text
    .replace(CONTROL, visible)
    .split('\n')
    .map((line) => line.replace(/^(\s*):(?=:)/, '$1:\u0020'))
    .join('\n');
}

/** One line of host text (a value shown inline): line breaks shown as `\n` too. */
export function hostWord(text: string): string {
  return hostText(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}
