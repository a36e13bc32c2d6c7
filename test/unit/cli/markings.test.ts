/**
 * `sensitivity label set` and content markings (issue 22), the real CLI on real files: a label with markings adds
 * them as comments in the file's language, another label replaces them, a label without removes them (the bytes
 * come back as they were), a protected file carries them only inside its encrypted content, and a bad `markings`
 * in the policy is refused in words.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makePerson, tempDir, type Person } from './helpers.js';

const POLICY = {
  version: 1,
  requireDowngradeJustification: true,
  labels: [
    { id: 'public', name: 'Public' },
    { id: 'internal', name: 'Internal', markings: { footer: 'Internal use: {label}' } },
    {
      id: 'confidential',
      name: 'Confidential',
      markings: { header: 'CONFIDENTIAL ({label}): do not forward', footer: 'End of {label} content', banner: true },
    },
    { id: 'secret', name: 'Secret', protection: { required: true }, markings: { header: 'SECRET: {label}' } },
  ],
};

describe('sensitivity label set: content markings', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  let alice: Person;
  const file = (name: string) => join(ws, name);

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify(POLICY));
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
  });
  after(() => tmp.dispose());

  const ok = (args: string[]) => {
    const r = alice.run(args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  it('adds, keeps, replaces and removes the markings of a CRLF script with a shebang', () => {
    const original = '#!/usr/bin/env python3\r\nprint("hi")\r\n';
    writeFileSync(file('tool.py'), original);
    assert.match(ok(['label', 'set', 'tool.py', '--label', 'Confidential']), /^tool\.py: confidential \(markings added\)\n$/);
    const marked =
      '#!/usr/bin/env python3\r\n# [sensitivity:header] CONFIDENTIAL (Confidential): do not forward\r\nprint("hi")\r\n# [sensitivity:footer] End of Confidential content\r\n';
    assert.equal(readFileSync(file('tool.py'), 'utf8'), marked);

    assert.match(ok(['label', 'set', 'tool.py', '--label', 'Confidential']), /\(markings already in place\)/);
    assert.equal(readFileSync(file('tool.py'), 'utf8'), marked, 'applying the same label twice adds no second header');

    assert.match(
      ok(['label', 'set', 'tool.py', '--label', 'Internal', '--justification', 'wider audience']),
      /confidential → internal \(downgrade, justified\) \(markings replaced\)/,
    );
    assert.equal(readFileSync(file('tool.py'), 'utf8'), '#!/usr/bin/env python3\r\nprint("hi")\r\n# [sensitivity:footer] Internal use: Internal\r\n');

    assert.match(ok(['label', 'set', 'tool.py', '--label', 'Public', '--justification', 'published']), /\(markings removed\)/);
    assert.equal(readFileSync(file('tool.py'), 'utf8'), original, 'the original bytes are back');
  });

  it('leaves a hand-written comment that only looks like a marking', () => {
    const text = '-- CONFIDENTIAL (Confidential): do not forward\nselect 1;\n-- [sensitivity:header] quoted in the middle\n';
    writeFileSync(file('q.sql'), text);
    ok(['label', 'set', 'q.sql', '--label', 'Confidential']);
    ok(['label', 'set', 'q.sql', '--label', 'Public', '--justification', 'test']);
    assert.equal(readFileSync(file('q.sql'), 'utf8'), text);
  });

  it('says why a JSON file gets no markings, and leaves it as it is', () => {
    writeFileSync(file('config.json'), '{"a": 1}\n');
    assert.match(ok(['label', 'set', 'config.json', '--label', 'Confidential']), /no markings: this kind of file has no comments/);
    assert.equal(readFileSync(file('config.json'), 'utf8'), '{"a": 1}\n');
  });

  it('a label that protects puts its markings inside the encrypted content only; relabelling removes them there', () => {
    writeFileSync(file('deploy.sh'), 'echo deploy\n');
    assert.match(ok(['label', 'set', 'deploy.sh', '--label', 'Secret', '--protect']), /\(markings added\)/);
    assert.ok(!readFileSync(file('deploy.sh.protected')).includes('[sensitivity:header]'), 'no marking in the clear');
    assert.equal(ok(['cat', 'deploy.sh.protected']), '# [sensitivity:header] SECRET: Secret\necho deploy\n');
    assert.match(ok(['label', 'set', 'deploy.sh.protected', '--label', 'Confidential', '--justification', 'less secret']), /\(markings replaced\)/);
    assert.equal(
      ok(['cat', 'deploy.sh.protected']),
      '# [sensitivity:header] CONFIDENTIAL (Confidential): do not forward\necho deploy\n# [sensitivity:footer] End of Confidential content\n',
    );
    assert.match(ok(['label', 'set', 'deploy.sh.protected', '--label', 'Public', '--justification', 'public']), /\(markings removed\)/);
    assert.equal(ok(['cat', 'deploy.sh.protected']), 'echo deploy\n');
  });

  it('a policy with a bad marking is refused in words, with exit status 4, and nothing changes', () => {
    const bad = { ...POLICY, labels: [...POLICY.labels, { id: 'x', name: 'Top Secret', markings: { header: 'by {author}' } }] };
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify(bad));
    try {
      writeFileSync(file('b.py'), 'x = 1\n');
      const r = alice.run(['label', 'set', 'b.py', '--label', 'Confidential']);
      assert.equal(r.code, 4);
      assert.match(r.stderr, /label "Top Secret": its header marking says \{author\}, which is not something a marking can fill in; use \{label\}/);
      assert.doesNotMatch(r.stderr, /\/labels\/\d/);
      assert.equal(readFileSync(file('b.py'), 'utf8'), 'x = 1\n');
    } finally {
      writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify(POLICY));
    }
  });
});
