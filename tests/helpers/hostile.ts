/**
 * Hostile input for tests: file names and model answers that try to become ExifTool options,
 * shell commands, Perl, markup or spreadsheet formulas. Shared by the unit and end-to-end tests.
 */
import fc from 'fast-check';

/** Perl that ExifTool would run if a name's lines became arguments: it creates `canary` in the cwd. */
export function perlCanary(canary: string): string {
  return `open(F,">","${canary}");print F 1;close F;1`;
}

/** File names (no `/`, no NUL) that each try something; `canary` is what they try to create. */
export function hostileNames(canary: string): string[] {
  return [
    `evil\n-if\n${perlCanary(canary)}\nx.jpg`,
    `crlf\r\n-if\r\n${perlCanary(canary)}\r\n.jpg`,
    `-leading-dash.jpg`,
    `--if.jpg`,
    `$(touch ${canary}).jpg`,
    `\`touch ${canary}\`.jpg`,
    `quote's "double".jpg`,
    `tab\there.jpg`,
    `# hash start.jpg`,
    `trailing space.jpg `,
    ` leading space.jpg`,
    `caf\u00e9 nfc.jpg`,
    `cafe\u0301 nfd.jpg`,
    `emoji \u{1f4f7}.jpg`,
    `line\u2028sep.jpg`,
    `${'x'.repeat(251)}.jpg`, // 255 bytes, the longest name a Linux file system takes
  ];
}

/** Characters that matter to ExifTool, shells, XML, Markdown and spreadsheets, and some others. */
const SPECIAL = [
  '\n',
  '\r',
  '\t',
  ' ',
  '-',
  '#',
  '$',
  '(',
  ')',
  '`',
  '"',
  "'",
  '\\',
  '%',
  '*',
  '?',
  '<',
  '>',
  '&',
  '=',
  '+',
  '@',
  '|',
  ';',
  '.',
  ':',
  '\u00a0',
  '\u0085',
  '\u2028',
  '\u00e9',
  'e\u0301',
  '\u{1f4f7}',
];

const codePoint = (max: number) =>
  fc
    .integer({ min: 1, max })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c));

/** One character of a hostile string: often special, sometimes anything (no NUL, no lone surrogate). */
export const hostileChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: codePoint(0x7f) },
  { weight: 1, arbitrary: codePoint(0x10ffff) },
);

/** Any text a model might answer (captions, keywords). */
export const hostileText = fc.string({ unit: hostileChar, minLength: 1, maxLength: 60 });

/** A file name: any bytes but `/` and NUL, at most 250 bytes, not `.` or `..`. */
export const hostileFileName = fc
  .string({ unit: hostileChar, minLength: 1, maxLength: 40 })
  .map((s) => s.replace(/\//g, '_'))
  .filter((s) => s !== '.' && s !== '..' && Buffer.byteLength(s) <= 250);

/** Text XML 1.0 can hold at all (XMP is XML): no C0 controls but tab and line feed, no U+FFFE/U+FFFF. */
export function xmlCapable(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  return !/[\u0000-\u0008\u000b\u000c\u000d\u000e-\u001f\ufffe\uffff]/u.test(text);
}
