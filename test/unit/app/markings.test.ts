/**
 * Content markings through the application layer (issue 22), in memory with real crypto: every way a label is
 * applied (set, protect with a label, relabel of a protected file, remove) gives the file the label's markings and
 * only those; a protected file's markings are inside its encrypted content. And the policy's `markings`, refused
 * in people's words with a stable problem id.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import { FOOTER_TAG, HEADER_TAG } from '../../../src/core/markings/index.js';
import { addPerson, EMPTY_PEOPLE } from '../../../src/core/people.js';
import { DEFAULT_POLICY, findLabel, parsePolicy, renderMarkings, type LabelDefinition, type Policy } from '../../../src/core/policy/index.js';
import { memoryContext, MemoryFiles, MemoryStore, rejectsCode } from './memory-ports.js';

/** The default policy with markings on Confidential (inherited by its sublabels) and Highly Confidential / Specific People. */
function markedPolicy(): Policy {
  const labels = DEFAULT_POLICY.labels.map((l): LabelDefinition => {
    if (l.id === 'confidential') return { ...l, markings: { header: 'CONFIDENTIAL: {label}', footer: 'Classified {label}', banner: true } };
    if (l.id === 'highly-confidential') {
      return {
        ...l,
        sublabels: l.sublabels!.map((s) => (s.id === 'highly-confidential-specific-people' ? { ...s, markings: { header: 'RESTRICTED: {label}' } } : s)),
      };
    }
    return l;
  });
  return parsePolicy(JSON.stringify({ ...DEFAULT_POLICY, labels }));
}

let alice: Identity;
let bob: Identity;

function workspace() {
  const files = new MemoryFiles();
  const store = new MemoryStore(markedPolicy());
  store.peopleValue = addPerson(addPerson(EMPTY_PEOPLE, publicIdentity(alice)), publicIdentity(bob));
  return { files, store, as: (who: Identity) => memoryContext(who, { files, store }) };
}

const CONF_HEADER = `# ${HEADER_TAG} CONFIDENTIAL: Confidential / All Employees`;
const CONF_FOOTER = `# ${FOOTER_TAG} Classified Confidential / All Employees`;

before(async () => {
  [alice, bob] = await Promise.all([createIdentity('Alice', 'alice@example.com'), createIdentity('Bob', 'bob@example.com')]);
});

describe('app: markings of plain files', () => {
  it('label set with markings adds them (copyOf a labeled file does not), the same label again changes nothing', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('tool.py', '#!/usr/bin/env python3\nprint(1)\n', 0o755);
    // Confidential / All Employees requires protection: a copy may take it as it stands (labels follow content).
    const change = await app.setFileLabel(a, 'tool.py', 'Confidential/All Employees', { copyOf: 'other.py' });
    assert.equal(change.markings, undefined, 'a copy is byte for byte its source');
    assert.equal(ws.files.text('tool.py'), '#!/usr/bin/env python3\nprint(1)\n');
    ws.store.policyValue = parsePolicy(
      JSON.stringify({
        ...markedPolicy(),
        labels: markedPolicy().labels.map((l) => (l.id === 'general' ? { ...l, markings: { header: '{label} only', banner: true } } : l)),
      }),
    );
    const general = await app.setFileLabel(a, 'tool.py', 'General', { justification: 'test' });
    assert.equal(general.markings, 'added');
    assert.equal(ws.files.text('tool.py'), `#!/usr/bin/env python3\n# ${HEADER_TAG} General only\nprint(1)\n`);
    assert.equal(ws.files.files.get('tool.py')!.mode, 0o755, 'permission bits kept');
    const again = await app.setFileLabel(a, 'tool.py', 'General');
    assert.equal(again.markings, 'unchanged');
    assert.equal(ws.files.text('tool.py'), `#!/usr/bin/env python3\n# ${HEADER_TAG} General only\nprint(1)\n`);
  });

  it('relabelling replaces the markings; a label without markings removes them; so does removing the label', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('q.sql', 'select 1;\n');
    ws.store.policyValue = parsePolicy(
      JSON.stringify({
        ...markedPolicy(),
        labels: markedPolicy().labels.map((l) =>
          l.id === 'public' ? { ...l, markings: { footer: 'Public: {label}' } } : l.id === 'general' ? { ...l, markings: { header: 'Internal' } } : l,
        ),
      }),
    );
    assert.equal((await app.setFileLabel(a, 'q.sql', 'Public')).markings, 'added');
    assert.equal(ws.files.text('q.sql'), `select 1;\n-- ${FOOTER_TAG} Public: Public\n`);
    assert.equal((await app.setFileLabel(a, 'q.sql', 'General')).markings, 'replaced');
    assert.equal(ws.files.text('q.sql'), `-- ${HEADER_TAG} Internal\nselect 1;\n`);
    assert.deepEqual(await app.removeFileLabel(a, 'q.sql', { justification: 'test' }), { markings: 'removed' });
    assert.equal(ws.files.text('q.sql'), 'select 1;\n');
  });

  it('an edit saved while the markings are written is never overwritten (E_FILE_CHANGED, nothing written)', async () => {
    const ws = workspace();
    ws.store.policyValue = parsePolicy(
      JSON.stringify({ ...markedPolicy(), labels: markedPolicy().labels.map((l) => (l.id === 'general' ? { ...l, markings: { header: '{label}' } } : l)) }),
    );
    ws.files.put('a.sh', 'echo 1\n');
    const replace = ws.files.replace.bind(ws.files);
    ws.files.replace = (path, mode, produce) => {
      ws.files.put(path, 'echo 2 # saved by an editor meanwhile\n');
      return replace(path, mode, produce);
    };
    await rejectsCode(app.setFileLabel(ws.as(alice), 'a.sh', 'General'), 'E_FILE_CHANGED');
    assert.equal(ws.files.text('a.sh'), 'echo 2 # saved by an editor meanwhile\n');
  });

  it('attack: a label name from a hostile policy cannot end the comment and inject markup or a new line', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.store.policyValue = parsePolicy(
      JSON.stringify({
        version: 1,
        labels: [
          { id: 'html', name: 'x --><script>alert(1)<!-- y', markings: { header: '{label}', footer: '--><script>alert(2)</script><!--' } },
          { id: 'css', name: 'css', markings: { header: 'x */ body * /* y' } },
          { id: 'line', name: 'x\nrm -rf ~', markings: { header: '{label}' } },
        ],
      }),
    );
    ws.files.put('index.html', '<p>hi</p>\n');
    ws.files.put('site.css', 'p{}\n');
    ws.files.put('run.sh', 'echo hi\n');
    await app.setFileLabel(a, 'index.html', 'html');
    await app.setFileLabel(a, 'site.css', 'css');
    await app.setFileLabel(a, 'run.sh', 'line');
    const [html, css, sh] = [ws.files.text('index.html')!, ws.files.text('site.css')!, ws.files.text('run.sh')];
    for (const line of [html.split('\n')[0]!, html.split('\n')[2]!]) {
      assert.equal(line.indexOf('-->'), line.length - 3, `one comment end only: ${line}`);
      assert.doesNotMatch(line.slice(4, -3), /--/, 'no "--" inside an XML/HTML comment');
    }
    const cssHeader = css.split('\n')[0]!;
    assert.equal(cssHeader.indexOf('*/'), cssHeader.length - 2, `one comment end only: ${cssHeader}`);
    assert.equal(sh, `# ${HEADER_TAG} x\\nrm -rf ~\necho hi\n`, 'a line break in a name is written as \\n, not as a new line');
    // And each comes off again, leaving the files as they were.
    for (const f of ['index.html', 'site.css', 'run.sh']) await app.removeFileLabel(a, f);
    assert.deepEqual(
      ['index.html', 'site.css', 'run.sh'].map((f) => ws.files.text(f)),
      ['<p>hi</p>\n', 'p{}\n', 'echo hi\n'],
    );
  });

  it('a label without markings on a file without any leaves it alone and says nothing', async () => {
    const ws = workspace();
    ws.files.put('a.ts', 'let a;\n');
    const change = await app.setFileLabel(ws.as(alice), 'a.ts', 'General');
    assert.equal(change.markings, undefined);
    assert.equal(ws.files.text('a.ts'), 'let a;\n');
  });
});

describe('app: markings of protected files', () => {
  it('protecting with a label puts its markings inside the encrypted content, not in the plain file', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('deploy.sh', 'echo hi\n');
    const change = await app.setFileLabel(a, 'deploy.sh', 'Confidential/All Employees', { protect: { keep: true } });
    assert.equal(change.markings, 'added');
    assert.equal(ws.files.text('deploy.sh'), 'echo hi\n', 'the plain file kept (--keep) is not rewritten');
    const opened = await app.open(ws.as(bob), 'deploy.sh.protected');
    assert.equal(new TextDecoder().decode(opened.content), `${CONF_HEADER}\necho hi\n${CONF_FOOTER}\n`);
    assert.equal((await app.inspect(ws.as(bob), 'deploy.sh.protected')).size, opened.content.length);
    assert.ok(!new TextDecoder('latin1').decode(ws.files.files.get('deploy.sh.protected')!.bytes).includes(HEADER_TAG), 'no marking in the clear');
  });

  it('relabelling a protected file replaces its markings inside (saved as an editor saves) and removes them for a label without', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('notes.md', '# Notes\n');
    await app.protect(a, 'notes.md', { label: 'Confidential/All Employees' });
    const inside = async () => new TextDecoder().decode((await app.open(a, 'notes.md.protected')).content);
    assert.equal(
      await inside(),
      `<!-- ${HEADER_TAG} CONFIDENTIAL: Confidential / All Employees -->\n# Notes\n<!-- ${FOOTER_TAG} Classified Confidential / All Employees -->\n`,
    );
    const up = await app.setFileLabel(a, 'notes.md.protected', 'Highly Confidential/Specific People');
    assert.equal(up.markings, 'replaced');
    assert.equal(await inside(), `<!-- ${HEADER_TAG} RESTRICTED: Highly Confidential / Specific People -->\n# Notes\n`);
    const info = await app.inspect(a, 'notes.md.protected');
    assert.equal(info.label.id, 'highly-confidential-specific-people');
    assert.equal(info.lastWrittenBy?.signer.email, 'alice@example.com');
    const down = await app.setFileLabel(a, 'notes.md.protected', 'General', { justification: 'public now' });
    assert.equal(down.markings, 'removed');
    assert.equal(await inside(), '# Notes\n');
    assert.deepEqual(
      a.audit.actions().filter((x) => x !== 'open'),
      ['protect', 'label.set', 'edit', 'label.set', 'edit'],
    );
  });

  it('a JSON file gets no markings and says why', async () => {
    const ws = workspace();
    ws.files.put('cfg.json', '{"a":1}\n');
    const change = await app.setFileLabel(ws.as(alice), 'cfg.json', 'Confidential/All Employees', { protect: {} });
    assert.equal(change.markings, 'no-comments');
    assert.equal(new TextDecoder().decode((await app.open(ws.as(alice), 'cfg.json.protected')).content), '{"a":1}\n');
  });
});

describe('policy: markings refused in words, with a stable problem id', () => {
  const withMarkings = (markings: unknown, sub = false) =>
    JSON.stringify({
      version: 1,
      labels: sub ? [{ id: 'c', name: 'Confidential', sublabels: [{ id: 'c-a', name: 'All', markings }] }] : [{ id: 'c', name: 'Confidential', markings }],
    });
  const cases: ReadonlyArray<[unknown, string, RegExp]> = [
    [{ header: '' }, 'marking-empty', /label "Confidential": its header marking is empty/],
    [{ footer: 42 }, 'marking-not-text', /its footer marking must be text/],
    [{ header: 'x'.repeat(201) }, 'marking-too-long', /has 201 characters; at most 200/],
    [{ header: 'a\nb' }, 'marking-line-break', /must be one line/],
    [{ header: 'by {user}' }, 'marking-placeholder', /says \{user\}, which is not something a marking can fill in; use \{label\}/],
    [{ watermark: 'x' }, 'marking-unknown-setting', /a setting "watermark".*editor banner/],
    [{ banner: 'yes' }, 'banner-not-boolean', /its banner must be true or false/],
    ['CONFIDENTIAL', 'markings-not-object', /its markings must be an object/],
  ];
  for (const [markings, problem, words] of cases) {
    it(`${problem}`, async () => {
      const e = await rejectsCode(
        Promise.resolve().then(() => parsePolicy(withMarkings(markings), '.sensitivity/policy.json')),
        'E_POLICY_INVALID',
      );
      assert.match(e.message, words);
      assert.doesNotMatch(e.message, /\/labels\//, 'no schema path');
      assert.equal(e.details.problem, problem);
      assert.equal(e.file, '.sensitivity/policy.json');
    });
  }

  it('a sublabel is named by its own name; a parent passes its markings on; {} turns them off', async () => {
    const e = await rejectsCode(
      Promise.resolve().then(() => parsePolicy(withMarkings({ header: '' }, true))),
      'E_POLICY_INVALID',
    );
    assert.match(e.message, /label "All"/);
    const p = parsePolicy(
      JSON.stringify({
        version: 1,
        labels: [
          {
            id: 'c',
            name: 'Conf',
            markings: { header: '{label}!', banner: true },
            sublabels: [
              { id: 'a', name: 'A' },
              { id: 'b', name: 'B', markings: {} },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(renderMarkings(findLabel(p, 'a')), { header: 'Conf / A!' });
    assert.deepEqual(renderMarkings(findLabel(p, 'b')), {});
  });

  it('unsafe characters of a label name are made visible, not written raw', () => {
    const p = parsePolicy(JSON.stringify({ version: 1, labels: [{ id: 'x', name: 'Evil\u202e', markings: { header: '{label}' } }] }));
    assert.deepEqual(renderMarkings(findLabel(p, 'x')), { header: 'Evil\\u{202e}' });
  });
});
