/** The access panel's protocol validator: the webview is untrusted, so every malformed or overreaching message is refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_ID_LENGTH, MAX_PATH_LENGTH, PROTOCOL_VERSION, validateWebviewMessage, type ValidationContext } from '../../src/shared/protocol.js';
import { problemRow } from '../../src/extension/panel/model.js';
import { OPEN_ONLY, person, row } from './protocol-fixtures.js';

const OWNED = 'docs/plan.md.protected';
const SHARED = 'docs/shared.md.protected';
const PLAIN = 'src/config.ts';
const ROLLED_BACK = 'docs/old.md.protected';
const BROKEN = 'docs/forged.md.protected';
const ctx: ValidationContext = {
  files: new Map([
    [
      OWNED,
      row(OWNED, {
        people: [person('alice', { owner: true, role: 'Owner', you: true }), person('bob'), person('org', { recovery: true, role: 'Recovery' })],
        actions: { ...OPEN_ONLY, applyLabel: true, protect: false, grant: true, revoke: true, expiry: true },
      }),
    ],
    [ROLLED_BACK, row(ROLLED_BACK, { rollback: { version: 1, seen: 2, by: 'memory' }, actions: { ...OPEN_ONLY, restore: true } })],
    [BROKEN, problemRow(BROKEN, 'a policy version not signed by an owner of the one before', 'E_LINEAGE')],
    [SHARED, row(SHARED, { people: [person('carol', { owner: true, role: 'Owner' }), person('alice', { you: true })] })],
    [PLAIN, row(PLAIN, { protected: false, actions: { ...OPEN_ONLY, applyLabel: true, protect: true, grant: false, revoke: false } })],
  ]),
};

const request = (type: string, params: unknown, id: unknown = 1) => ({ type, id, params });
const accepts = (raw: unknown) => {
  const v = validateWebviewMessage(raw, ctx);
  assert.equal(v.ok, true, v.ok ? '' : v.reason);
  return v;
};
const rejects = (raw: unknown, why: RegExp) => {
  const v = validateWebviewMessage(raw, ctx);
  assert.equal(v.ok, false, `accepted ${JSON.stringify(raw)}`);
  if (!v.ok) assert.match(v.reason, why);
  return v;
};

describe('validateWebviewMessage', () => {
  it('accepts the handshake and every well-formed request', () => {
    accepts({ type: 'ready', protocol: PROTOCOL_VERSION });
    accepts(request('refresh', {}));
    accepts(request('cancelIndexing', {}));
    accepts(request('createIdentity', {}));
    accepts(request('importIdentity', {}));
    accepts(request('showAuditLog', {}));
    accepts(request('openFile', { path: SHARED }));
    accepts(request('applyLabel', {}));
    accepts(request('applyLabel', { path: PLAIN }));
    accepts(request('protect', { path: PLAIN }));
    accepts(request('grant', { path: OWNED }));
    accepts(request('changeExpiry', { path: OWNED }));
    accepts(request('acceptRestore', { path: ROLLED_BACK }));
    const v = accepts(request('revoke', { path: OWNED, personId: 'bob' }, 7));
    assert.deepEqual(v.ok && v.message, { type: 'revoke', id: 7, params: { path: OWNED, personId: 'bob' } });
  });

  it('rejects what is not a message object', () => {
    for (const raw of [null, undefined, 42, 'ready', [], [{ type: 'ready' }], new Date(), Object.create({ type: 'ready', protocol: 1 })]) {
      rejects(raw, /not an object/);
    }
  });

  it('rejects unknown types without naming them', () => {
    const v = rejects({ type: 'deleteEverything', id: 1, params: {} }, /unknown message type/);
    assert.ok(!v.ok && !v.reason.includes('deleteEverything'));
    rejects({ type: 1, id: 1, params: {} }, /unknown message type/);
    rejects({ id: 1, params: {} }, /unknown message type/);
    rejects({ type: 'toString', id: 1, params: {} }, /unknown message type/);
    rejects({ type: 'response', id: 1, ok: true, result: null }, /unknown message type/);
  });

  it('rejects a handshake of another protocol version or shape', () => {
    rejects({ type: 'ready', protocol: PROTOCOL_VERSION + 1 }, /protocol version/);
    rejects({ type: 'ready', protocol: String(PROTOCOL_VERSION) }, /protocol version/);
    rejects({ type: 'ready' }, /missing field protocol/);
    rejects({ type: 'ready', protocol: PROTOCOL_VERSION, extra: 1 }, /unexpected field/);
  });

  it('rejects bad request ids', () => {
    for (const id of [-1, 1.5, Number.MAX_SAFE_INTEGER + 2, '1', null, NaN, Infinity]) {
      rejects(request('refresh', {}, id), /id is not a non-negative integer/);
    }
    rejects({ type: 'refresh', params: {} }, /id is not a non-negative integer/);
  });

  it('rejects wrong field types, missing fields and extra fields; a usable id is kept so the host can answer', () => {
    rejects(request('openFile', { path: 5 }), /path is not a string/);
    rejects(request('openFile', { path: [OWNED] }), /path is not a string/);
    rejects(request('openFile', {}), /missing field path/);
    rejects(request('openFile', null), /params is not an object/);
    rejects(request('openFile', [OWNED]), /params is not an object/);
    rejects(request('refresh', { force: true }), /unexpected field/);
    rejects(request('showAuditLog', { path: PLAIN }), /unexpected field/);
    rejects(request('revoke', { path: OWNED, personId: 42 }), /personId is not a string/);
    const v = rejects({ type: 'protect', id: 9, params: { path: PLAIN }, sneaky: 1 }, /unexpected field/);
    assert.deepEqual(!v.ok && v.request, { id: 9, type: 'protect' });
  });

  it('rejects oversized strings', () => {
    rejects(request('openFile', { path: 'a/'.repeat(MAX_PATH_LENGTH) }), new RegExp(`path is longer than ${MAX_PATH_LENGTH}`));
    rejects(request('revoke', { path: OWNED, personId: 'x'.repeat(MAX_ID_LENGTH + 1) }), /personId is longer/);
    rejects(request('openFile', { path: '' }), /path is empty/);
  });

  it('rejects paths outside the workspace, whatever their spelling', () => {
    for (const path of ['/etc/passwd', 'C:/Windows/win.ini', 'c:secret', '..\\secret', 'docs\\plan.md.protected', 'x\0y']) {
      rejects(request('openFile', { path }), /path is not workspace-relative/);
    }
    for (const path of ['../secret', 'docs/../../secret', './docs/plan.md.protected', 'docs//plan.md.protected', 'docs/', 'docs/.']) {
      rejects(request('openFile', { path }), /path is not normalized/);
    }
  });

  it('rejects paths that are not in the current view model', () => {
    rejects(request('openFile', { path: 'docs/other.md' }), /not in the view model/);
    rejects(request('openFile', { path: 'DOCS/plan.md.protected' }), /not in the view model/);
    rejects(request('openFile', { path: '__proto__' }), /not in the view model/);
  });

  it('rejects actions the row does not offer you', () => {
    rejects(request('protect', { path: OWNED }), /protect is not allowed/);
    rejects(request('grant', { path: SHARED }), /grant is not allowed/);
    rejects(request('grant', { path: PLAIN }), /grant is not allowed/);
    rejects(request('applyLabel', { path: SHARED }), /applyLabel is not allowed/);
    rejects(request('revoke', { path: SHARED, personId: 'alice' }), /revoke is not allowed/);
    rejects(request('changeExpiry', { path: SHARED }), /changeExpiry is not allowed/);
    rejects(request('acceptRestore', { path: OWNED }), /acceptRestore is not allowed/);
    rejects(request('changeExpiry', { path: OWNED, expires: 'never' }), /unexpected field/);
  });

  it('a file whose header fails its checks (a forged lineage) is a problem row: nothing to open, nothing to do', () => {
    rejects(request('openFile', { path: BROKEN }), /openFile is not allowed/);
    for (const type of ['applyLabel', 'grant', 'changeExpiry', 'acceptRestore']) rejects(request(type, { path: BROKEN }), /is not allowed/);
  });

  it('rejects revoking someone not granted, the owner, or a recovery key', () => {
    rejects(request('revoke', { path: OWNED, personId: 'mallory' }), /not a grantee/);
    rejects(request('revoke', { path: OWNED, personId: 'alice' }), /owner and recovery/);
    rejects(request('revoke', { path: OWNED, personId: 'org' }), /owner and recovery/);
  });

  it('never quotes the message in its reason (reasons are logged)', () => {
    const secret = 'TOP-SECRET-PLAINTEXT-4111111111111111';
    const short = 'pw4111';
    const probes = [
      request('openFile', { path: secret }),
      request('openFile', { path: `/${secret}` }),
      request('revoke', { path: OWNED, personId: secret }),
      request('refresh', { [secret]: 1 }),
      request('refresh', { [short]: 1 }),
      { type: 'ready', protocol: 1, [short]: 1 },
      { type: secret, id: 1, params: {} },
    ];
    for (const raw of probes) {
      const v = validateWebviewMessage(raw, ctx);
      assert.ok(!v.ok && !v.reason.includes(secret) && !v.reason.includes(short), !v.ok ? v.reason : 'accepted');
    }
  });

  it('passes on only the checked fields (a rebuilt message, not the original object)', () => {
    const raw = request('openFile', { path: PLAIN });
    const v = accepts(raw);
    assert.ok(v.ok && v.message !== (raw as unknown) && v.message.type === 'openFile');
    assert.ok(v.ok && v.message.type === 'openFile' && v.message.params !== raw.params);
  });

  it('never throws and never accepts a path outside the view model (property)', () => {
    const type = fc.constantFrom(
      'ready',
      'refresh',
      'cancelIndexing',
      'openFile',
      'applyLabel',
      'protect',
      'grant',
      'revoke',
      'changeExpiry',
      'acceptRestore',
      'createIdentity',
      'importIdentity',
      'showAuditLog',
      'x',
    );
    const message = fc.record(
      {
        type,
        id: fc.oneof(fc.nat(), fc.anything()),
        params: fc.oneof(
          fc.record({ path: fc.oneof(fc.string(), fc.constantFrom(OWNED, SHARED, PLAIN, ROLLED_BACK, BROKEN)), personId: fc.string() }, { requiredKeys: [] }),
          fc.anything(),
        ),
        protocol: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(message, fc.anything()), (raw) => {
        const v = validateWebviewMessage(raw, ctx);
        if (v.ok && v.message.type !== 'ready') {
          const path = (v.message.params as { path?: string }).path;
          assert.ok(path === undefined || ctx.files.has(path));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
