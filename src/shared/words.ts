/** Words people read for the protocol's values, shared by the host and the webview so both say the same. */
import type { Witness } from '../core/app/versions.js';
import type { Right } from '../core/rights.js';

/** How people read each usage right (Purview's EXTRACT is "copy"). */
export const RIGHT_WORDS: Readonly<Record<Right, string>> = {
  VIEW: 'view',
  EDIT: 'edit',
  EXTRACT: 'copy',
  PRINT: 'print',
  EXPORT: 'export',
  VIEWRIGHTSDATA: 'see access',
  EDITRIGHTSDATA: 'change access',
  OWNER: 'own',
};

/** The words for a right named by an untrusted value (an error's details), undefined when it names none. */
export function rightInWords(right: unknown): string | undefined {
  return typeof right === 'string' && Object.hasOwn(RIGHT_WORDS, right) ? RIGHT_WORDS[right as Right] : undefined;
}

/** Who holds the newer version of an older copy, as the CLI, the status bar and the access panel say it. */
export const SEEN_BY: Readonly<Record<Witness, string>> = {
  memory: 'you have seen',
  git: "git's history holds",
  organisation: "your organisation's witness holds",
};
