/**
 * Moving a credential out of source code: the string literal that holds it becomes a read of an environment
 * variable in the file's language, and the value goes to a line of a git-ignored `.env` file. Pure text work
 * (the host reads and writes the files); languages without a plain way to read the environment get nothing.
 */

/** Where the secret sits in the text (a finding's offset and length). */
export interface SecretSpan {
  readonly offset: number;
  readonly length: number;
  /** The finding's type, for a variable name when the code names none. */
  readonly typeId: string;
}

/** The edits that move one secret out: replace the literal, maybe add an import, and the `.env` line to add. */
export interface SecretMove {
  /** The literal (quotes and prefix included) and the expression that replaces it. */
  readonly replace: { readonly offset: number; readonly length: number; readonly text: string };
  /** An import the expression needs, inserted at `offset` (Python's `import os`). */
  readonly insert?: { readonly offset: number; readonly text: string };
  readonly name: string;
  /** The `.env` line (`NAME=value`, quoted when needed); absent when `.env` already holds this value under `name`. */
  readonly envLine?: string;
}

/** How each language reads an environment variable; languages not listed are not offered the move. */
const READ: Readonly<Record<string, (name: string) => string>> = {
  javascript: (n) => `process.env.${n}`,
  javascriptreact: (n) => `process.env.${n}`,
  typescript: (n) => `process.env.${n}`,
  typescriptreact: (n) => `process.env.${n}`,
  python: (n) => `os.environ["${n}"]`,
  java: (n) => `System.getenv("${n}")`,
  csharp: (n) => `System.Environment.GetEnvironmentVariable("${n}")`,
  ruby: (n) => `ENV.fetch("${n}")`,
  php: (n) => `getenv('${n}')`,
  go: (n) => `os.Getenv("${n}")`,
  shellscript: (n) => `"\${${n}}"`,
};

/** Whether `languageId` can read a moved secret from the environment. */
export function canMoveSecret(languageId: string): boolean {
  return languageId in READ;
}

/** The string literal around [start, end) on its line: its quote's offset and the offset past its closing quote. */
function literalAround(text: string, start: number, end: number): { open: number; close: number } | undefined {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end);
  for (let open = start - 1; open >= lineStart; open--) {
    const q = text[open]!;
    if (q !== '"' && q !== "'" && q !== '`') continue;
    const close = text.indexOf(q, end);
    if (close === -1 || close >= lineEnd) return undefined;
    const inner = text.slice(open + 1, close);
    // Escapes, interpolation or a quote of the same kind inside: not a plain literal we can lift as it is.
    if (inner.includes('\\') || inner.includes('${')) return undefined;
    return { open, close: close + 1 };
  }
  return undefined;
}

/** "awsSecretKey", "aws-secret", "aws_secret" → "AWS_SECRET_KEY"…; undefined when nothing usable. */
function envName(word: string): string | undefined {
  const snake = word
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[A-Z][A-Z0-9_]{0,63}$/.test(snake) ? snake : undefined;
}

/** The name the code gives the value (`const awsKey = "…"`, `password: "…"`, `"token" => "…"`), from the text before the literal. */
function assignedName(before: string): string | undefined {
  const m = /([A-Za-z_][A-Za-z0-9_-]*)["']?\s*(?::=|=>|=|:)\s*$/.exec(before);
  return m ? envName(m[1]!) : undefined;
}

/** A `.env` value: bare when safe, else double-quoted with `\` and `"` escaped. */
function envValue(value: string): string {
  return /^[A-Za-z0-9_./:@+=-]*$/.test(value) ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Python needs `import os` for `os.environ`: where to add it (after a shebang or encoding line), unless imported. */
function pythonImport(text: string): SecretMove['insert'] | undefined {
  if (/^\s*(import\s+os\b|import\s+[^\n]*\bos\b|from\s+os\s+import\b)/m.test(text)) return undefined;
  let offset = 0;
  while (/^#(!|.*coding[:=])/.test(text.slice(offset))) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return { offset: text.length, text: '\nimport os\n' };
    offset = nl + 1;
  }
  return { offset, text: 'import os\n' };
}

/**
 * The move of the secret at `span` out of `text` (a file in `languageId`), or undefined when the language
 * cannot read the environment or the secret is not inside a plain string literal. `env` holds the names and
 * values `.env` has already: a name is never reused for another value (`_2`, `_3`… are added).
 */
export function moveSecretOut(text: string, span: SecretSpan, languageId: string, env: ReadonlyMap<string, string>): SecretMove | undefined {
  const read = READ[languageId];
  if (!read) return undefined;
  const lit = literalAround(text, span.offset, span.offset + span.length);
  if (!lit) return undefined;
  // Go reads the environment only with "os" imported; adding to a Go import block is left to the person.
  if (languageId === 'go' && !/"os"/.test(text)) return undefined;
  const value = text.slice(lit.open + 1, lit.close - 1);
  let open = lit.open;
  if (languageId === 'python') {
    const prefix = /[rRbBuU]{1,2}$/.exec(text.slice(Math.max(0, open - 2), open));
    if (prefix && !/[A-Za-z0-9_]/.test(text[open - prefix[0].length - 1] ?? '')) open -= prefix[0].length;
  }
  const base = assignedName(text.slice(text.lastIndexOf('\n', open - 1) + 1, open)) ?? envName(span.typeId) ?? 'SECRET';
  let name = base;
  for (let n = 2; env.has(name) && env.get(name) !== value; n++) name = `${base}_${n}`;
  const insert = languageId === 'python' ? pythonImport(text) : undefined;
  return {
    replace: { offset: open, length: lit.close - open, text: read(name) },
    ...(insert ? { insert } : {}),
    name,
    ...(env.get(name) === value ? {} : { envLine: `${name}=${envValue(value)}` }),
  };
}

/** The names and values of a `.env` file's `NAME=value` lines (quotes removed; comments and blank lines skipped). */
export function parseDotEnv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const raw = m[2]!;
    const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(raw) ?? /^'([^']*)'$/.exec(raw);
    out.set(m[1]!, quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : raw);
  }
  return out;
}

/** Whether a `.gitignore` text ignores a `.env` file at its own folder. */
export function ignoresDotEnv(gitignore: string): boolean {
  return gitignore.split(/\r?\n/).some((l) => /^\s*\/?(\.env|\.env\*|\*\.env|\.env\.?\*)\s*$/.test(l));
}
