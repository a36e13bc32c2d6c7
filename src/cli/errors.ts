/** The CLI's words for errors: the core's code and details, said in terms of this command line. */
import { isSensitivityError, type ErrorHint, type SensitivityError } from '../core/errors.js';
import { rightInWords } from '../shared/words.js';
import { terminalSafe } from './terminal.js';

const HINTS: Readonly<Record<ErrorHint, string>> = {
  'create-identity': 'create one with `sensitivity id new --name NAME --email EMAIL`, or import one with `sensitivity id import FILE`',
  'choose-label': 'pass --label LABEL (`sensitivity policy show` lists them)',
  'give-justification': 'pass --justification TEXT',
  'protect-with-label': 'add --protect to protect it now (--grant EMAIL=ROLE names people), or run `sensitivity protect FILE --label LABEL`',
  'choose-workspace': 'pass --workspace DIR',
  'move-output': 'move it away first; nothing was overwritten',
  'verify-audit': 'run `sensitivity audit --verify` and check the disk; nothing was done',
  'ask-owner': '',
  'add-person': 'ask them for the output of `sensitivity id show --json` and run `sensitivity people add FILE`',
  'confirm-replace': 'confirm the new id with them, then pass --replace',
  'accept-new-key': 'compare the fingerprint with them (`sensitivity people verify EMAIL`; they run `sensitivity id show`), then pass --accept-new-key',
  're-add-person': 'ask them for the output of `sensitivity id show --json` (from this version) and run `sensitivity people add FILE`',
  'accept-policy': 'check the fingerprints with whoever runs the workspace, then run `sensitivity policy accept`',
  'fix-permissions': 'make the folder yours and not writable by others (chown, chmod o-w), or remove it',
  retry: 'try again',
  reopen: 'run the command again on the file as it is now',
  'accept-restore': 'an owner who restored it on purpose runs `sensitivity restore FILE.protected` once',
  migrate: 'an owner who checked it is the genuine file runs `sensitivity migrate FILE.protected` once',
  'sign-in': 'sign in with `sensitivity login` (`sensitivity login --device` on a machine without a browser)',
  'ask-admin': 'ask your administrator about the key service named here',
  'protect-anew':
    'protect its content again as a new file, with the people who should have access: `sensitivity unprotect FILE.protected`, then `sensitivity protect FILE --grant EMAIL=ROLE…` (copies of the old file keep their old access)',
};

/** The rights of `rights` in words ("view, see access"). */
const inWords = (rights: unknown): string =>
  (Array.isArray(rights) ? rights : [])
    .map(rightInWords)
    .filter((w) => w !== undefined)
    .join(', ');

/** What went wrong in people's words: a missing right names what you may do and what not, not its wire name (issue 22). */
function said(e: SensitivityError): string {
  const right = rightInWords(e.details.right);
  if (e.code !== 'E_RIGHT_MISSING' || right === undefined) return e.message;
  const may = inWords(e.details.rights);
  const owner = typeof e.details.owner === 'string' ? `; ask ${e.details.owner}` : '';
  return `${may ? `you may ${may}, ` : 'you may '}not ${right}${owner}`;
}

/** One line for stderr: where, what, what to do, and the stable code. Untrusted parts escaped. */
export function errorLine(e: SensitivityError): string {
  const hint = e.details.hint ? HINTS[e.details.hint] : '';
  const where = e.file ? `${e.file}: ` : '';
  return terminalSafe(`sensitivity: ${where}${said(e)}${hint ? `; ${hint}` : ''} [${e.code}]`);
}

/** One line for an error that is not ours (a file system error, say). */
export function foreignErrorLine(e: unknown): string {
  if (isSensitivityError(e)) return errorLine(e);
  const err = e as NodeJS.ErrnoException;
  const where = err.path ? `${err.path}: ` : '';
  return terminalSafe(`sensitivity: ${where}${err.message ?? String(e)}`);
}
