/**
 * Text from photos and models (file names, captions, labels) in the Markdown reports: kept on one
 * line and escaped, so it can neither add structure (headings, links, tables) nor raw HTML that a
 * Markdown viewer would render.
 */

/** Inline text: one line; HTML and Markdown's inline punctuation escaped (it never starts a line). */
export function mdText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/** A code span that holds any text: fenced with more backticks than the text contains in a row. */
export function mdCode(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = line.startsWith('`') || line.endsWith('`') || longest > 0 ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}
