/** The audit view's model (issue 22): words, filters, facets, paging, Verify's verdict on tampered logs, and message validation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIT_ACTIONS, createAuditEntry, readAuditLines, verifyAuditLog, type AuditEvent } from '../../src/core/audit/index.js';
import { ACTION_WORDS, actionWords, AuditLogModel, verifyView, type AuditWording } from '../../src/extension/audit/model.js';
import { AUDIT_PAGE_SIZE, NO_FILTERS, validateAuditMessage, type AuditFilters } from '../../src/shared/audit-protocol.js';

const ALICE = { id: 'alice-id', email: 'alice@example.com' };
const BOB = { id: 'bob-id', email: 'bob@example.com' };
const MALLORY = { id: 'mallory-id', email: 'mallory@example.com' };

/** UTC wording, so the tests do not depend on the machine's time zone. */
const utc = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
const WORDING: AuditWording = {
  you: { id: ALICE.id, name: 'Alice Example' },
  pinned: new Map([[BOB.id, { name: 'Bob Example', email: BOB.email }]]),
  labelNames: new Map([
    ['general', 'General'],
    ['public', 'Public'],
    ['confidential', 'Confidential'],
  ]),
  formatTime: (at) => utc.format(at),
  dayStart: (day) => Date.parse(`${day}T00:00:00Z`),
};

/** A real chained log of `events`, one per minute from `start`. */
async function logOf(events: readonly AuditEvent[], start = Date.parse('2026-03-01T10:00:00Z')): Promise<string> {
  const lines: string[] = [];
  for (const [i, e] of events.entries()) lines.push(await createAuditEntry(lines.at(-1), e, new Date(start + i * 60_000)));
  return lines.map((l) => `${l}\n`).join('');
}

const filters = (f: Partial<AuditFilters>): AuditFilters => ({ ...NO_FILTERS, ...f });

describe('audit view: words', () => {
  it('words every action the hosts record, and names an unknown one as stored', () => {
    for (const a of AUDIT_ACTIONS) assert.ok(ACTION_WORDS[a] && !ACTION_WORDS[a].includes('.'), `${a} has words`);
    assert.equal(actionWords('open.denied'), 'Tried to open a protected file');
    assert.equal(actionWords('future.thing'), 'Other: future.thing');
    assert.equal(actionWords('__proto__'), 'Other: __proto__');
  });

  it('says who acted: you, a pinned person, an unverified key, a machine, no identity', async () => {
    const text = await logOf([
      { action: 'open', actor: ALICE, file: 'a.md.protected' },
      { action: 'open', actor: BOB, file: 'a.md.protected' },
      { action: 'open', actor: { id: BOB.id, email: 'bob@evil.example' }, file: 'a.md.protected' },
      { action: 'open', actor: MALLORY, file: 'a.md.protected' },
      { action: 'key.decrypt', actor: { id: 'ci-deploy', email: '' }, serviceAccount: 'deploy-bot' },
      { action: 'key.decrypt', actor: { id: 'ci-signer-sub-0123456789', email: '' } },
      { action: 'identity.create', actor: null },
    ]);
    const rows = AuditLogModel.of(text, '/h/audit.jsonl', WORDING).query(NO_FILTERS, 0).rows;
    assert.deepEqual(
      rows.map((r) => [r.seq, r.who.kind, r.who.words]),
      [
        [7, 'none', 'no identity'],
        [6, 'machine', 'a machine (key ci-signe…)'],
        [5, 'machine', 'service account deploy-bot (a machine)'],
        [4, 'unverified', 'mallory@example.com (unverified key)'],
        // The pinned key with another email is not the pinned person.
        [3, 'unverified', 'bob@evil.example (unverified key)'],
        [2, 'verified', 'Bob Example <bob@example.com>'],
        [1, 'you', 'Alice Example <alice@example.com> (you)'],
      ],
    );
  });

  it('shows the label (names from the policy), the result in words, local time, and the entry as stored with secret-named details hidden', async () => {
    const text = await logOf([
      { action: 'label.set', actor: ALICE, file: 'plan.md', from: 'general', to: 'public', direction: 'downgrade', justification: 'published' },
      { action: 'protect', actor: ALICE, file: 'plan.md.protected', label: 'confidential', grantees: [{ email: BOB.email, role: 'Viewer' }] },
      { action: 'open.denied', actor: MALLORY, file: 'plan.md.protected', right: 'VIEW', code: 'E_NOT_GRANTEE' },
      { action: 'label.set', actor: ALICE, file: 'x.md', to: 'secret-custom', direction: 'new' },
    ]);
    // A hand-edited line carrying a key-like detail: hidden on screen, whatever the log says.
    const tampered = text.replace('"right":"VIEW"', '"right":"VIEW","fileKey":"c2VjcmV0","nested":{"Plaintext":"the secret"}');
    const [custom, denied, protect, label] = AuditLogModel.of(tampered, '/h/audit.jsonl', WORDING).query(NO_FILTERS, 0).rows;
    assert.equal(label!.label, 'General → Public');
    assert.deepEqual(label!.result, { ok: true, words: 'Done · lowered · reason: “published”' });
    assert.equal(label!.time, '1 Mar 2026, 10:00:00');
    assert.equal(protect!.label, 'Confidential');
    assert.deepEqual(protect!.result, { ok: true, words: 'Done · bob@example.com as Viewer' });
    assert.equal(protect!.action.words, 'Protected (encrypted)');
    assert.deepEqual(denied!.result, { ok: false, words: 'Denied: no access' });
    assert.equal(custom!.label, 'secret-custom');
    assert.match(denied!.raw, /"code": "E_NOT_GRANTEE"/);
    assert.doesNotMatch(denied!.raw, /c2VjcmV0|the secret/);
    assert.match(denied!.raw, /"fileKey": "\(hidden\)"/);
    assert.match(denied!.raw, /"Plaintext": "\(hidden\)"/);
    assert.deepEqual(JSON.parse(label!.raw).justification, 'published');
  });
});

describe('audit view: filters, facets and pages', () => {
  it('says whom a change concerns: a person added, people granted, how many revoked, a new expiry', async () => {
    const text = await logOf([
      { action: 'people.add', actor: ALICE, person: { id: BOB.id, email: BOB.email, name: 'Bob Example' } },
      {
        action: 'grant',
        actor: ALICE,
        file: 'a.protected',
        grantees: [
          { email: BOB.email, role: 'Viewer' },
          { email: 'c@example.com', role: 'Co-Author' },
        ],
      },
      { action: 'revoke', actor: ALICE, file: 'a.protected', revoked: [BOB.id, 'c-id'], rotated: true },
      { action: 'expiry', actor: ALICE, file: 'a.protected', expires: '2026-04-01T00:00:00.000Z' },
      { action: 'expiry', actor: ALICE, file: 'a.protected', expires: null },
    ]);
    assert.deepEqual(
      AuditLogModel.of(text, '/h/audit.jsonl', WORDING)
        .query(NO_FILTERS, 0)
        .rows.map((r) => r.result.words),
      [
        'Done · no end',
        'Done · until 1 Apr 2026, 00:00:00',
        'Done · access removed for 2 people',
        'Done · bob@example.com as Viewer, c@example.com as Co-Author',
        'Done · Bob Example <bob@example.com>',
      ],
    );
  });

  it('filters by person, action, label, file text and local date range; counts each choice over the whole log', async () => {
    const day = 86_400_000;
    const events: AuditEvent[] = [
      { action: 'label.set', actor: ALICE, file: 'docs/Plan.md', to: 'general', direction: 'new' },
      { action: 'protect', actor: ALICE, file: 'docs/plan.md.protected', label: 'confidential' },
      { action: 'open', actor: BOB, file: 'docs/plan.md.protected' },
      { action: 'open.denied', actor: MALLORY, file: 'docs/plan.md.protected', code: 'E_NOT_GRANTEE' },
      { action: 'label.set', actor: BOB, file: 'src/app.ts', from: 'general', to: 'confidential', direction: 'upgrade' },
    ];
    // One entry per day, 1–5 March.
    const lines: string[] = [];
    for (const [i, e] of events.entries()) lines.push(await createAuditEntry(lines.at(-1), e, new Date(Date.parse('2026-03-01T12:00:00Z') + i * day)));
    const model = AuditLogModel.of(lines.join('\n') + '\n', '/h/audit.jsonl', WORDING);
    const seqs = (f: Partial<AuditFilters>) => model.query(filters(f), 0).rows.map((r) => r.seq);
    assert.deepEqual(seqs({}), [5, 4, 3, 2, 1]);
    assert.deepEqual(seqs({ person: `id:${BOB.id}` }), [5, 3]);
    assert.deepEqual(seqs({ action: 'open.denied' }), [4]);
    assert.deepEqual(seqs({ label: 'confidential' }), [5, 2]);
    assert.deepEqual(seqs({ label: 'general' }), [5, 1]);
    assert.deepEqual(seqs({ file: 'PLAN.md' }), [4, 3, 2, 1]);
    assert.deepEqual(seqs({ file: '  app  ' }), [5]);
    assert.deepEqual(seqs({ from: '2026-03-02', to: '2026-03-04' }), [4, 3, 2]);
    assert.deepEqual(seqs({ to: '2026-03-01' }), [1]);
    assert.deepEqual(seqs({ from: '2026-03-05' }), [5]);
    assert.deepEqual(seqs({ person: `id:${BOB.id}`, label: 'confidential', file: 'src/' }), [5]);
    assert.deepEqual(seqs({ person: `id:${ALICE.id}`, action: 'open' }), []);
    const q = model.query(filters({ person: `id:${BOB.id}` }), 0);
    assert.equal(q.total, 5);
    assert.equal(q.matching, 2);
    assert.deepEqual(
      q.facets.people.map((f) => [f.value, f.count]),
      [
        [`id:${ALICE.id}`, 2],
        [`id:${BOB.id}`, 2],
        [`id:${MALLORY.id}`, 1],
      ],
    );
    assert.deepEqual(
      q.facets.actions.find((f) => f.value === 'label.set'),
      { value: 'label.set', words: 'Set a label', count: 2 },
    );
    assert.deepEqual(
      q.facets.labels.find((f) => f.value === 'confidential'),
      { value: 'confidential', words: 'Confidential', count: 2 },
    );
    assert.deepEqual([...model.choices.actions].sort(), ['label.set', 'open', 'open.denied', 'protect']);
  });

  it('pages newest first, clamps a page past the end, and counts lines that are not entries', async () => {
    const n = AUDIT_PAGE_SIZE * 2 + 5;
    const events = Array.from({ length: n }, (_, i): AuditEvent => ({ action: 'open', actor: ALICE, file: `f${i + 1}.md.protected` }));
    const text = (await logOf(events)) + 'not an entry\n';
    const model = AuditLogModel.of(text, '/h/audit.jsonl', WORDING);
    const p0 = model.query(NO_FILTERS, 0);
    assert.equal(p0.rows.length, AUDIT_PAGE_SIZE);
    assert.equal(p0.rows[0]!.seq, n);
    assert.equal(p0.damaged, 1);
    const p2 = model.query(NO_FILTERS, 2);
    assert.deepEqual(
      p2.rows.map((r) => r.seq),
      [5, 4, 3, 2, 1],
    );
    const beyond = model.query(NO_FILTERS, 99);
    assert.equal(beyond.page, 2);
    assert.equal(beyond.rows.length, 5);
    const none = model.query(filters({ file: 'nothing' }), 3);
    assert.deepEqual([none.page, none.matching, none.rows.length], [0, 0, 0]);
    assert.equal(AuditLogModel.of('', '/h/audit.jsonl', WORDING).query(NO_FILTERS, 0).status, 'empty');
  });
});

describe('audit view: the log growing', () => {
  it('entries appended later give the same pages, facets and counts as reading the whole log', async () => {
    const events = Array.from({ length: 150 }, (_, i): AuditEvent => ({
      action: i % 3 ? 'open' : 'grant',
      actor: i % 2 ? ALICE : BOB,
      file: `f${i}.md.protected`,
    }));
    const text = await logOf(events);
    const whole = AuditLogModel.of(text, '/h/audit.jsonl', WORDING);
    const cut = text.indexOf('\n', text.length / 2) + 1;
    const grown = AuditLogModel.of(text.slice(0, cut), '/h/audit.jsonl', WORDING);
    const later = readAuditLines(text.slice(cut)).entries;
    assert.ok(later.length > 0 && grown.total > 0);
    grown.append(later, 0);
    for (const f of [NO_FILTERS, filters({ person: `id:${BOB.id}` }), filters({ action: 'grant' })])
      for (const page of [0, 1]) assert.deepEqual(grown.query(f, page), whole.query(f, page));
  });
});

describe('audit view: Verify in words', () => {
  const events: AuditEvent[] = [
    { action: 'label.set', actor: ALICE, file: 'a.md', to: 'general', direction: 'new' },
    { action: 'protect', actor: ALICE, file: 'a.md.protected', label: 'general' },
    { action: 'grant', actor: ALICE, file: 'a.md.protected', grantees: [{ email: BOB.email, role: 'Viewer' }] },
    { action: 'open', actor: BOB, file: 'a.md.protected' },
  ];
  const verdict = async (text: string, anchor?: { head: string; entries: number; at: string }) =>
    verifyView(text, await verifyAuditLog(text, anchor ? { anchor: anchor.head } : {}), anchor, WORDING.formatTime);

  it('says an intact log is intact, with its span and head', async () => {
    const text = await logOf(events);
    const v = await verdict(text);
    assert.equal(v.intact, true);
    assert.equal(v.headline, 'The audit log is intact: 4 entries, each chained to the one before, from 1 Mar 2026, 10:00:00 to 1 Mar 2026, 10:03:00.');
    assert.match(v.details, /^Head [0-9a-f]{64}\.$/);
    assert.equal((await verdict('')).intact, true);
  });

  it('never calls a tampered log intact: edited, reordered, an entry removed, cut mid-line, cut at an entry against the anchor', async () => {
    const text = await logOf(events);
    const lines = text.trimEnd().split('\n');
    const join = (ls: string[]) => ls.join('\n') + '\n';
    const ok = await verifyAuditLog(text);
    assert.ok(ok.ok);
    const anchor = { head: ok.head!, entries: 4, at: '2026-03-01T11:00:00Z' };
    const cases: [string, string, RegExp][] = [
      ['edited', text.replace('"file":"a.md"', '"file":"b.md"'), /^The audit log was changed: the chain breaks at entry 1 \(1 Mar 2026, 10:00:00\)\./],
      ['reordered', join([lines[0]!, lines[2]!, lines[1]!, lines[3]!]), /breaks at entry 2 \(1 Mar 2026, 10:02:00\)/],
      ['removed', join([lines[0]!, lines[1]!, lines[3]!]), /breaks at entry 3 \(1 Mar 2026, 10:03:00\)/],
      ['cut mid-line', text.slice(0, text.length - 20), /breaks at entry 4\. /],
      [
        'cut at an entry',
        join(lines.slice(0, 2)),
        /^The audit log was cut short or replaced: entries verified on 1 Mar 2026, 11:00:00 are no longer in it\. It had 4 entries then and has 2 lines now\.$/,
      ],
      ['emptied', '', /cut short or replaced/],
    ];
    for (const [what, tampered, headline] of cases) {
      const v = await verdict(tampered, anchor);
      assert.equal(v.intact, false, what);
      assert.match(v.headline, headline, what);
      assert.match(v.details, /^E_AUDIT_BROKEN · /, what);
      assert.ok(v.brokenAt !== null, what);
    }
    // A log that grew since the anchor still verifies, and says it holds the anchored entries.
    const grown = text + (await createAuditEntry(lines[3], { action: 'open', actor: ALICE, file: 'a.md.protected' }, new Date('2026-03-02T00:00:00Z'))) + '\n';
    const v = await verdict(grown, anchor);
    assert.equal(v.intact, true);
    assert.match(v.details, /still holds everything verified on 1 Mar 2026, 11:00:00 \(4 entries\)/);
  });
});

describe('audit view: messages from the webview', () => {
  const ctx = { people: new Set([`id:${ALICE.id}`]), actions: new Set(['open']), labels: new Set(['general']) };
  const query = (params: unknown) => validateAuditMessage({ type: 'query', id: 3, params }, ctx);

  it('accepts the protocol and rebuilds what it accepts', () => {
    assert.deepEqual(validateAuditMessage({ type: 'ready', protocol: 1 }, ctx), { ok: true, message: { type: 'ready', protocol: 1 } });
    assert.deepEqual(validateAuditMessage({ type: 'verify', id: 1, params: {} }, ctx), { ok: true, message: { type: 'verify', id: 1, params: {} } });
    const f = filters({
      person: `id:${ALICE.id}`,
      action: 'open',
      label: 'general',
      file: '<img src=x onerror=alert(1)>',
      from: '2026-03-01',
      to: '2026-03-31',
    });
    assert.deepEqual(query({ filters: f, page: 2 }), { ok: true, message: { type: 'query', id: 3, params: { filters: f, page: 2 } } });
  });

  it('refuses anything else, without quoting it', () => {
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [[], /not an object/],
      [{ type: 'ready', protocol: 2 }, /unsupported protocol/],
      [{ type: 'openFile', id: 1, params: {} }, /unknown message type/],
      [{ type: 'verify', id: -1, params: {} }, /id is not/],
      [{ type: 'verify', id: 1, params: { x: 1 } }, /unexpected field/],
      [{ type: 'verify', id: 1, params: {}, extra: 1 }, /unexpected field/],
    ];
    for (const [raw, reason] of bad) {
      const v = validateAuditMessage(raw, ctx);
      assert.equal(v.ok, false);
      assert.match((v as { reason: string }).reason, reason);
    }
    const refused: [unknown, RegExp][] = [
      [{ filters: NO_FILTERS, page: -1 }, /page is not/],
      [{ filters: NO_FILTERS, page: 1.5 }, /page is not/],
      [{ filters: NO_FILTERS, page: '1' }, /page is not/],
      [{ filters: NO_FILTERS }, /missing field page/],
      [{ filters: { ...NO_FILTERS, evil: '' }, page: 0 }, /unexpected field/],
      [{ filters: { ...NO_FILTERS, person: 'id:someone-else' }, page: 0 }, /not a person in the log/],
      [{ filters: { ...NO_FILTERS, action: 'grant' }, page: 0 }, /not an action in the log/],
      [{ filters: { ...NO_FILTERS, label: 'secret' }, page: 0 }, /not a label in the log/],
      [{ filters: { ...NO_FILTERS, from: '2026-13-01' }, page: 0 }, /not a date/],
      [{ filters: { ...NO_FILTERS, to: '01/03/2026' }, page: 0 }, /not a date/],
      [{ filters: { ...NO_FILTERS, file: 'x'.repeat(5000) }, page: 0 }, /longer than/],
      [{ filters: { ...NO_FILTERS, file: 'a\0b' }, page: 0 }, /NUL/],
      [{ filters: { ...NO_FILTERS, file: 7 }, page: 0 }, /not a string/],
      [{ filters: Object.assign(Object.create({ polluted: true }) as object, NO_FILTERS), page: 0 }, /not an object/],
    ];
    for (const [params, reason] of refused) {
      const v = query(params);
      assert.equal(v.ok, false);
      assert.match((v as { reason: string }).reason, reason);
      assert.deepEqual((v as { request?: unknown }).request, { id: 3, type: 'query' });
      assert.doesNotMatch((v as { reason: string }).reason, /someone-else|evil|secret/);
    }
  });
});
