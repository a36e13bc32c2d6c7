/**
 * How a file's language writes a one-line comment, by its name: the syntax content markings are written in
 * (docs/MARKINGS.md lists every family). Languages without comments (JSON, CSV) and unknown or binary kinds have
 * none: such files get no marking.
 */
import { baseName, extName } from '../paths.js';

/** A line comment (`// text`), a block comment on one line (`<!-- text -->`), or plain text (no delimiters). */
export interface CommentStyle {
  readonly open: string;
  /** Empty for a line comment. */
  readonly close: string;
  /** Characters the text must not hold inside this comment, each with its harmless stand-in (`*\/` would end a CSS comment). */
  readonly neutralise?: (text: string) => string;
}

const line = (open: string): CommentStyle => ({ open, close: '' });

/** `*\/` inside a C-style block comment would end it early. */
const C_BLOCK: CommentStyle = { open: '/*', close: '*/', neutralise: (t) => t.replace(/\*\//g, '* /') };
/** SGML and XML comments may not contain `--` at all (XML 1.0 §2.5), so neither `-->`. */
const SGML_BLOCK: CommentStyle = { open: '<!--', close: '-->', neutralise: (t) => t.replace(/-(?=-)/g, '- ') };
const PLAIN: CommentStyle = { open: '', close: '' };
const HASH = line('#');

/** Each comment syntax and the extensions that use it. */
const FAMILIES: ReadonlyArray<readonly [CommentStyle, string]> = [
  [
    line('//'),
    '.c .h .cc .cpp .cxx .hpp .hh .hxx .cs .java .kt .kts .scala .groovy .gradle .go .rs .swift .dart .js .mjs .cjs .jsx .ts .mts .cts .tsx ' +
      '.jsonc .json5 .proto .zig .scss .less .sol .fs .fsx',
  ],
  [
    HASH,
    '.py .pyi .rb .sh .bash .zsh .fish .ps1 .psm1 .pl .pm .r .yaml .yml .toml .conf .cfg .properties .cmake .mk .tf .tfvars .hcl .nix ' +
      '.jl .ex .exs .coffee .env .awk .tcl .dockerfile',
  ],
  [line('--'), '.sql .lua .hs .elm .adb .ads .vhd .vhdl'],
  [line(';'), '.ini .lisp .lsp .el .clj .cljs .cljc .edn .scm .ss .rkt .asm'],
  [line('%'), '.tex .sty .bib .erl .hrl'],
  [C_BLOCK, '.css'],
  [SGML_BLOCK, '.html .htm .xhtml .xml .xsd .xsl .xslt .svg .plist .csproj .vbproj .md .markdown .vue .svelte'],
  [PLAIN, '.txt .text'],
];

const BY_EXT: ReadonlyMap<string, CommentStyle> = new Map(FAMILIES.flatMap(([style, exts]) => exts.split(' ').map((e) => [e, style] as const)));

/** Files known by their whole name (no extension, or a dotfile whose name is its kind): all write `#` comments. */
const HASH_NAMES: ReadonlySet<string> = new Set(
  'dockerfile containerfile makefile gnumakefile rakefile gemfile .env .gitignore .gitattributes .dockerignore .editorconfig .npmrc'.split(' '),
);

/** The comment syntax of the file at `path` (workspace-relative POSIX), or undefined when its kind has none we write. */
export function commentStyleOf(path: string): CommentStyle | undefined {
  const name = baseName(path).toLowerCase();
  return HASH_NAMES.has(name) || name.startsWith('.env.') ? HASH : BY_EXT.get(extName(path));
}

/** The kind of file whose first lines must stay first, which decides which leading lines a header goes below. */
export type LeadingKind = 'markdown' | 'python' | 'docker' | 'script' | 'xml';

/** The kind of leading lines `path` may have (all kinds keep a shebang first). */
export function leadingKindOf(path: string): LeadingKind {
  const name = baseName(path).toLowerCase();
  const ext = extName(path);
  if (ext === '.md' || ext === '.markdown') return 'markdown';
  if (ext === '.py' || ext === '.pyi') return 'python';
  if (name === 'dockerfile' || name === 'containerfile' || ext === '.dockerfile') return 'docker';
  if (SGML_BLOCK === BY_EXT.get(ext)) return 'xml';
  return 'script';
}
