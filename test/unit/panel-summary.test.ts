/** The access panel's summary strip and person view: counts and access lines from the view model; revoke-all's validation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateWebviewMessage, type FileRow, type LabelView } from '../../src/shared/protocol.js';
import { accessOf, everyone, summarize } from '../../src/webview/filter.js';
import { OPEN_ONLY, person, row } from './protocol-fixtures.js';

const label = (id: string, rank: number): LabelView => ({
  id,
  name: id[0]!.toUpperCase() + id.slice(1),
  description: '',
  color: null,
  rank,
  applicable: true,
  parent: null,
});
const LABELS = [label('public', 0), label('general', 1), label('confidential', 2)];
const NOW = new Date('2026-06-01T12:00:00Z');
const ACTIONS = { ...OPEN_ONLY, applyLabel: true, grant: true, revoke: true };
const alice = person('alice', { owner: true, role: 'Owner', rights: ['OWNER'], you: true });
const bob = person('bob');
const carol = person('carol', { role: 'Co-Author', rights: ['VIEW', 'EDIT', 'EXTRACT', 'PRINT', 'VIEWRIGHTSDATA'] });

const FILES: FileRow[] = [
  row('a.md', { label: { id: 'public', name: 'Public' }, protected: false }),
  row('b.md', { label: { id: 'confidential', name: 'Confidential' }, protected: false, findings: { count: 1, recommended: 'Highly Confidential' } }),
  row('c.md.protected', { protected: true, people: [alice, bob], expires: '2026-06-05T00:00:00Z', actions: ACTIONS }),
  row('d.md.protected', { protected: true, people: [alice, bob, carol], expires: '2026-07-01T00:00:00Z', actions: ACTIONS }),
  row('e.md.protected', { protected: true, people: [carol, bob], expires: '2026-05-30T00:00:00Z', expired: true }),
];

describe('summary strip', () => {
  it('counts files per label in the policy order, protected and label-only, expiring within 7 days, content above its label', () => {
    const s = summarize(FILES, LABELS, NOW);
    assert.deepEqual(s.byLabel, [
      { id: 'public', name: 'Public', count: 1 },
      { id: 'confidential', name: 'Confidential', count: 4 },
    ]);
    assert.equal(s.protectedFiles, 3);
    assert.equal(s.labelOnly, 2);
    assert.equal(s.expiringSoon, 1, 'c expires in 4 days; d in a month; e has expired');
    assert.equal(s.outranked, 1);
  });
});

describe('person view', () => {
  it('lists everyone once, by name', () => {
    assert.deepEqual(
      everyone(FILES).map((p) => p.id),
      ['alice', 'bob', 'carol'],
    );
  });

  it('says what one person can open, with which rights, and where you may revoke it', () => {
    assert.deepEqual(
      accessOf(FILES, 'bob').map((l) => [l.path, l.role, l.revocable, l.expired]),
      [
        ['c.md.protected', 'Viewer', true, false],
        ['d.md.protected', 'Viewer', true, false],
        ['e.md.protected', 'Viewer', false, true],
      ],
    );
    assert.deepEqual(
      accessOf(FILES, 'alice').map((l) => l.revocable),
      [false, false],
      'the owner is not revocable',
    );
  });

  it('revoke-all is accepted only for a person whose access you can revoke somewhere', () => {
    const ctx = { files: new Map(FILES.map((f) => [f.path, f])) };
    const ask = (personId: unknown) => validateWebviewMessage({ type: 'revokeAll', id: 1, params: { personId } }, ctx);
    assert.equal(ask('bob').ok, true);
    assert.equal(ask('carol').ok, true);
    for (const bad of ['alice', 'mallory', '', 42, 'x'.repeat(200)]) assert.equal(ask(bad).ok, false, String(bad));
  });
});
