/** Words for what a label change did to a file's content markings (issue 22), the same in the CLI and in VS Code. */
import type { MarkingOutcome } from '../core/app/index.js';

/** After the file's name: "markings added", "no markings: JSON and CSV have no comments". */
export const MARKING_WORDS: Readonly<Record<MarkingOutcome, string>> = {
  added: 'markings added',
  replaced: 'markings replaced',
  removed: 'markings removed',
  unchanged: 'markings already in place',
  'no-comments': 'no markings: this kind of file has no comments to hold them (JSON, CSV, documents, binary files)',
  'not-text': 'no markings: the file is not UTF-8 text',
  declaration: 'no markings: its first line opens a declaration that does not end on that line',
  'too-large': 'no markings: the file is larger than 16 MiB',
};
