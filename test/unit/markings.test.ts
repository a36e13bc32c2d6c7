/**
 * Content markings in text files (issue 22): the header and footer comment of each language family, the lines that
 * stay first, CRLF and BOM kept, replacing and removing on relabelling, user text that only looks like a marking
 * left alone, and the property that inserting then removing markings gives back the original bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyMarkings, commentStyleOf, FOOTER_TAG, HEADER_TAG, type MarkingText } from '../../src/core/markings/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { ignoreBOM: true });
const MARKS: MarkingText = { header: 'CONFIDENTIAL: Confidential / All Employees', footer: 'Classified Confidential' };

/** `text` of `path` marked with `marks`, as text; throws when the file was skipped. */
function mark(path: string, text: string | Uint8Array, marks: MarkingText = MARKS): string {
  const r = applyMarkings(typeof text === 'string' ? enc.encode(text) : text, path, marks);
  if ('skipped' in r) throw new Error(`skipped: ${r.skipped}`);
  return dec.decode(r.bytes);
}

describe('markings: comment syntax per language family', () => {
  const cases: ReadonlyArray<[string, string, string]> = [
    ['src/app.ts', `// ${HEADER_TAG} H`, `// ${FOOTER_TAG} F`],
    ['main.go', `// ${HEADER_TAG} H`, `// ${FOOTER_TAG} F`],
    ['lib.rs', `// ${HEADER_TAG} H`, `// ${FOOTER_TAG} F`],
    ['tool.py', `# ${HEADER_TAG} H`, `# ${FOOTER_TAG} F`],
    ['deploy.sh', `# ${HEADER_TAG} H`, `# ${FOOTER_TAG} F`],
    ['config.yaml', `# ${HEADER_TAG} H`, `# ${FOOTER_TAG} F`],
    ['Dockerfile', `# ${HEADER_TAG} H`, `# ${FOOTER_TAG} F`],
    ['.env', `# ${HEADER_TAG} H`, `# ${FOOTER_TAG} F`],
    ['.env.production', `# ${HEADER_TAG} H`, `# ${FOOTER_TAG} F`],
    ['schema.sql', `-- ${HEADER_TAG} H`, `-- ${FOOTER_TAG} F`],
    ['init.lua', `-- ${HEADER_TAG} H`, `-- ${FOOTER_TAG} F`],
    ['settings.ini', `; ${HEADER_TAG} H`, `; ${FOOTER_TAG} F`],
    ['core.clj', `; ${HEADER_TAG} H`, `; ${FOOTER_TAG} F`],
    ['paper.tex', `% ${HEADER_TAG} H`, `% ${FOOTER_TAG} F`],
    ['server.erl', `% ${HEADER_TAG} H`, `% ${FOOTER_TAG} F`],
    ['site.css', `/* ${HEADER_TAG} H */`, `/* ${FOOTER_TAG} F */`],
    ['index.html', `<!-- ${HEADER_TAG} H -->`, `<!-- ${FOOTER_TAG} F -->`],
    ['pom.xml', `<!-- ${HEADER_TAG} H -->`, `<!-- ${FOOTER_TAG} F -->`],
    ['README.md', `<!-- ${HEADER_TAG} H -->`, `<!-- ${FOOTER_TAG} F -->`],
    ['notes.txt', `${HEADER_TAG} H`, `${FOOTER_TAG} F`],
  ];
  for (const [path, header, footer] of cases) {
    it(`${path}: ${header} … ${footer}`, () => {
      assert.equal(mark(path, 'body\n', { header: 'H', footer: 'F' }), `${header}\nbody\n${footer}\n`);
    });
  }

  it('JSON, CSV, binary kinds and Office documents have no comments: skipped, bytes untouched', () => {
    for (const path of ['package.json', 'data.csv', 'logo.png', 'report.docx', 'report.pdf', 'LICENSE']) {
      assert.equal(commentStyleOf(path), undefined, path);
      assert.deepEqual(applyMarkings(enc.encode('{"a":1}\n'), path, MARKS), { skipped: 'no-comments' });
    }
  });

  it('a file that is not UTF-8 text (a NUL byte, invalid UTF-8) is skipped', () => {
    assert.deepEqual(applyMarkings(new Uint8Array([0x61, 0x00, 0x62]), 'a.ts', MARKS), { skipped: 'not-text' });
    assert.deepEqual(applyMarkings(new Uint8Array([0x61, 0xc3, 0x28]), 'a.ts', MARKS), { skipped: 'not-text' });
  });

  it('comment closers in the text cannot end the comment early', () => {
    const css = mark('a.css', 'a{}\n', { header: 'ends */ here' });
    assert.equal(css, `/* ${HEADER_TAG} ends * / here */\na{}\n`);
    const xml = mark('a.xml', '<a/>\n', { header: 'no -- and no --> and ---' });
    assert.equal(xml, `<!-- ${HEADER_TAG} no - - and no - -> and - - - -->\n<a/>\n`);
    assert.doesNotMatch(xml.split('\n')[0]!.slice(4, -3), /--/);
  });
});

describe('markings: lines that stay first', () => {
  it('a shebang stays on line 1', () => {
    assert.equal(mark('run.sh', '#!/bin/sh\necho hi\n'), `#!/bin/sh\n# ${HEADER_TAG} ${MARKS.header}\necho hi\n# ${FOOTER_TAG} ${MARKS.footer}\n`);
  });

  it("Python's shebang and coding line stay first", () => {
    const out = mark('t.py', '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(1)\n', { header: 'H' });
    assert.equal(out, `#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# ${HEADER_TAG} H\nprint(1)\n`);
  });

  it('"use strict" and "use client" directives stay first', () => {
    assert.equal(mark('a.js', '"use strict";\nlet a;\n', { header: 'H' }), `"use strict";\n// ${HEADER_TAG} H\nlet a;\n`);
    assert.equal(mark('a.tsx', "'use client'\nexport {}\n", { header: 'H' }), `'use client'\n// ${HEADER_TAG} H\nexport {}\n`);
  });

  it('an XML declaration and a doctype stay first; an unclosed declaration is not marked', () => {
    assert.equal(
      mark('a.xml', '<?xml version="1.0" encoding="UTF-8"?>\n<a/>\n', { header: 'H' }),
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- ${HEADER_TAG} H -->\n<a/>\n`,
    );
    assert.equal(mark('a.html', '<!DOCTYPE html>\n<html></html>\n', { header: 'H' }), `<!DOCTYPE html>\n<!-- ${HEADER_TAG} H -->\n<html></html>\n`);
    assert.deepEqual(applyMarkings(enc.encode('<?xml version="1.0"\n  encoding="UTF-8"?>\n<a/>\n'), 'a.xml', MARKS), { skipped: 'declaration' });
  });

  it('Dockerfile parser directives stay first', () => {
    assert.equal(
      mark('Dockerfile', '# syntax=docker/dockerfile:1\nFROM node\n', { header: 'H' }),
      `# syntax=docker/dockerfile:1\n# ${HEADER_TAG} H\nFROM node\n`,
    );
  });

  it('Markdown front matter stays first', () => {
    assert.equal(mark('post.md', '---\ntitle: x\n---\n# T\n', { header: 'H' }), `---\ntitle: x\n---\n<!-- ${HEADER_TAG} H -->\n# T\n`);
  });

  it('a byte order mark stays first and CRLF stays CRLF', () => {
    const out = mark('a.ts', '\uFEFFlet a;\r\nlet b;\r\n');
    assert.equal(out, `\uFEFF// ${HEADER_TAG} ${MARKS.header}\r\nlet a;\r\nlet b;\r\n// ${FOOTER_TAG} ${MARKS.footer}\r\n`);
  });

  it('a last line without a line break keeps having none', () => {
    assert.equal(mark('a.ts', 'let a;', { footer: 'F' }), `let a;\n// ${FOOTER_TAG} F`);
    assert.equal(mark('a.ts', `let a;\n// ${FOOTER_TAG} F`, {}), 'let a;');
  });
});

describe('markings: relabelling', () => {
  const once = mark('a.py', 'x = 1\n');

  it('applying the same markings twice changes nothing', () => {
    const again = applyMarkings(enc.encode(once), 'a.py', MARKS);
    assert.ok(!('skipped' in again));
    assert.equal(again.changed, false);
    assert.equal(again.found, true);
  });

  it('other markings replace them; none remove them', () => {
    assert.equal(mark('a.py', once, { header: 'PUBLIC' }), `# ${HEADER_TAG} PUBLIC\nx = 1\n`);
    assert.equal(mark('a.py', once, {}), 'x = 1\n');
  });

  it('removing keeps trailing blank lines someone added after the footer', () => {
    assert.equal(mark('a.py', `${once}\n\n`, {}), 'x = 1\n\n\n');
  });

  it('user text that only looks like a marking is never touched', () => {
    const lookalikes = [
      `# ${HEADER_TAG}-note: written by hand\nx = 1\n`, // the tag runs on
      `x = 1\n# ${HEADER_TAG} not on the first line\n`, // a header tag in the middle
      `# ${FOOTER_TAG} a footer tag on line 1\nx = 1\n`, // a footer tag at the top
      `# ${FOOTER_TAG} F\nx = 1 # trailing\n`, // not the last line
      `  # ${HEADER_TAG} indented\nx = 1\n`, // not at the start of the line
      '# CONFIDENTIAL: Confidential / All Employees\nx = 1\n', // same words, no tag
      `// ${HEADER_TAG} another language's comment\nx = 1\n`,
    ];
    for (const text of lookalikes) {
      const r = applyMarkings(enc.encode(text), 'a.py', {});
      assert.ok(!('skipped' in r));
      assert.equal(r.changed, false, text);
    }
  });
});

describe('markings: property', () => {
  const families = ['a.ts', 'a.py', 'a.sql', 'a.ini', 'a.tex', 'a.css', 'a.html', 'a.md', 'a.txt', 'Dockerfile', 'a.xml'];
  // Lines made of pieces that exercise every rule: shebangs, directives, declarations, front matter, tags, blanks.
  const piece = fc.constantFrom(
    '#!/bin/sh',
    '"use strict";',
    '<?xml version="1.0"?>',
    '<!DOCTYPE html>',
    '---',
    '# -*- coding: utf-8 -*-',
    '# syntax=docker/dockerfile:1',
    `# ${HEADER_TAG} x`,
    `// ${FOOTER_TAG} y`,
    '',
    '  ',
    '*/ -->',
    'é — ✓',
  );
  const line = fc.oneof(
    piece,
    fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n\0]/g, '')),
  );
  const file = fc.record({
    bom: fc.boolean(),
    lines: fc.array(line, { maxLength: 8 }),
    eol: fc.constantFrom('\n', '\r\n'),
    endsWithEol: fc.boolean(),
  });
  const text = fc.string({ maxLength: 30 }).filter((s) => s.trim() !== '' && !/[\r\n\0]/.test(s));
  const marks = fc.record({ header: text, footer: text }, { requiredKeys: [] });

  it('inserting markings, then removing them, gives back the original bytes; inserting is idempotent', () => {
    fc.assert(
      fc.property(file, fc.constantFrom(...families), marks, (f, path, m) => {
        const body = f.lines.join(f.eol) + (f.endsWithEol && f.lines.length > 0 ? f.eol : '');
        const original = enc.encode((f.bom ? '\uFEFF' : '') + body);
        // Only files without markings of their own: those are found and replaced, by design.
        const clean = applyMarkings(original, path, {});
        fc.pre(!('skipped' in clean) && !clean.changed);
        const marked = applyMarkings(original, path, m);
        assert.ok(!('skipped' in marked));
        const again = applyMarkings(marked.bytes, path, m);
        assert.ok(!('skipped' in again));
        assert.equal(again.changed, false, 'idempotent');
        const back = applyMarkings(marked.bytes, path, {});
        assert.ok(!('skipped' in back));
        assert.deepEqual(back.bytes, original);
      }),
      { numRuns: Number(process.env.MARKINGS_PROPERTY_RUNS ?? 2000) },
    );
  });
});
