/**
 * Writes test/vectors/witness.json (docs/FORMAT.md §16.2). Run only when the format changes on purpose
 * (`node --import tsx test/vectors/witness.mts`), then review the diff: ECDSA is randomised, so every receipt's
 * signature changes; the verdicts must not.
 */
import { writeFileSync } from 'node:fs';
import { makeWitness, type WitnessVectorFile } from './witness.js';

const made = await makeWitness();
const file: WitnessVectorFile = {
  description:
    'One file (Alice protects with Carol as Co-Owner, grants Bob, revokes Bob) in a workspace whose organisation is `issuer`; its org-witness receipts genuine, missing, tampered, from another key, for another line, or naming another version before. Identities and content: test/vectors/history.ts; randomness: drbg("sensitivity witness <step>"); organisation keys: seededP256 in test/vectors/witness.ts. `expect` is the reader\'s verdict with organisation.witness "required" and "optional" (docs/FORMAT.md §16.1); `heads` are heads a Double Key decrypt could answer, each judged against the file held (same, older, behind, or the refusal).',
  ...made,
};
writeFileSync('test/vectors/witness.json', JSON.stringify(file, null, 2) + '\n');
