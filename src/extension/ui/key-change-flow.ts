/**
 * What a person sees and decides when someone they shared with before offers another key (issue 22), without
 * `vscode` so its logic is unit-tested: the change in people's words, *Compare Fingerprints* (the pinned and the
 * offered fingerprint one above the other, where each came from and when the old one was pinned) and *Replace…*,
 * which goes ahead only after a second, explicit confirmation that names the risk. Never automatic.
 */
import { showable } from '../../core/display.js';
import type { KeyChange, KeySide } from '../../core/app/index.js';

/** One modal question: its headline, its detail and its buttons; the answer is the button picked (undefined: dismissed). */
export type Ask = (question: string, detail: string, buttons: readonly string[]) => PromiseLike<string | undefined>;

export const COMPARE = 'Compare Fingerprints';
export const REPLACE = 'Replace…';
export const REPLACE_KEY = 'Replace Key';

const SOURCE: Readonly<Record<KeySide['source'], string>> = {
  pins: 'the key you pinned (in your pins, kept in your home folder)',
  workspace: 'the key this workspace now lists (.sensitivity/people.json, which anyone who can change the workspace can edit)',
  offered: 'the key offered now (by the organisation directory or the identity being added)',
};

const day = (iso: string) => new Date(iso).toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric' });

/** Who, as the pinned identity names them. */
function who(change: KeyChange): string {
  const name = change.pinned.identity?.name ?? change.offered.identity?.name;
  return showable(name ? `${name} <${change.email}>` : change.email);
}

/** "Pinned on 3 December 2026" / "Pinned before dates were recorded". */
function since(side: KeySide): string {
  return side.since ? `pinned on ${day(side.since)}` : 'pinned before this tool recorded dates';
}

/** The words of the flow's three questions. */
export function keyChangeWords(change: KeyChange): {
  readonly headline: string;
  readonly first: string;
  readonly compare: string;
  readonly confirm: string;
  readonly risk: string;
} {
  const person = who(change);
  return {
    headline: `The key offered for ${person} is not the one you pinned.`,
    first:
      'It may be an impostor, or they made a new identity. Compare the fingerprints with them — they see theirs in Show My Identity — ' +
      'before you replace the key you pinned. Until then, nothing is shared with the new key.',
    compare:
      `Pinned:  ${change.pinned.fingerprint}\n(${SOURCE[change.pinned.source]}, ${since(change.pinned)})\n\n` +
      `New:     ${change.offered.fingerprint}\n(${SOURCE[change.offered.source]})\n\n` +
      'Ask them to read you their fingerprint, in person or on a call (not by email or chat, which an impostor may control). Replace only if it matches the new one.',
    confirm: `Replace the key you pinned for ${person}?`,
    risk:
      `If the new key is not theirs, whoever holds it can open every file you share with ${change.email} from now on, and what it signs shows as ${person}. ` +
      `Replace it only if they read you this fingerprint: ${change.offered.fingerprint}. The change is recorded in your audit log.`,
  };
}

/**
 * Runs the flow over `ask`: true only when the person chose Replace and then confirmed it; Compare shows both
 * fingerprints and offers Replace from there. Dismissing any question keeps the pinned key.
 */
export async function decideKeyChange(change: KeyChange, ask: Ask): Promise<boolean> {
  const words = keyChangeWords(change);
  let picked = await ask(words.headline, words.first, [COMPARE, REPLACE]);
  if (picked === COMPARE) picked = await ask(`Fingerprints of ${who(change)}`, words.compare, [REPLACE]);
  if (picked !== REPLACE) return false;
  return (await ask(words.confirm, words.risk, [REPLACE_KEY])) === REPLACE_KEY;
}
