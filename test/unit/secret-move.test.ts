/** Moving a credential out of source: the literal becomes an environment read in the file's language, the value a `.env` line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoresDotEnv, moveSecretOut, parseDotEnv, scanText, type SecretMove } from '../../src/core/detect/index.js';

/** The text after applying `m` (as the editor does), and the `.env` line. */
function applied(text: string, m: SecretMove): string {
  let out = text.slice(0, m.replace.offset) + m.replace.text + text.slice(m.replace.offset + m.replace.length);
  if (m.insert) out = out.slice(0, m.insert.offset) + m.insert.text + out.slice(m.insert.offset);
  return out;
}

function move(text: string, lang: string, env = new Map<string, string>()) {
  const [f] = scanText(text).filter((x) => !x.sample);
  assert.ok(f, 'a finding');
  return moveSecretOut(text, f, lang, env);
}

const AWS = 'AKIAQWERTYUIOPASDF23';

describe('moving a secret out of the source', () => {
  it('TypeScript: the literal becomes process.env.NAME, named after the variable; the value goes to .env', () => {
    const text = `const awsAccessKey = "${AWS}";\nexport default awsAccessKey;\n`;
    const m = move(text, 'typescript')!;
    assert.equal(applied(text, m), 'const awsAccessKey = process.env.AWS_ACCESS_KEY;\nexport default awsAccessKey;\n');
    assert.equal(m.envLine, `AWS_ACCESS_KEY=${AWS}`);
    assert.ok(!applied(text, m).includes(AWS), 'the secret is gone from the source');
  });

  it('Python: os.environ with import os added once (after a shebang), the prefix of a raw string taken along', () => {
    const text = `#!/usr/bin/env python3\nclient = connect(key=r'${AWS}')\n`;
    const m = move(text, 'python')!;
    assert.equal(applied(text, m), `#!/usr/bin/env python3\nimport os\nclient = connect(key=os.environ["KEY"])\n`);
    const imported = `import os, sys\nKEY = '${AWS}'\n`;
    assert.equal(applied(imported, move(imported, 'python')!), 'import os, sys\nKEY = os.environ["KEY"]\n');
  });

  it('other languages read the environment their way; a name already in .env for another value gets a suffix, the same value is reused', () => {
    const java = `String k = "${AWS}";`;
    assert.equal(applied(java, move(java, 'java')!), 'String k = System.getenv("K");');
    const ruby = `config.key = '${AWS}'`;
    const taken = move(ruby, 'ruby', new Map([['KEY', 'something else']]))!;
    assert.equal(taken.name, 'KEY_2');
    const same = move(ruby, 'ruby', new Map([['KEY', AWS]]))!;
    assert.equal(same.name, 'KEY');
    assert.equal(same.envLine, undefined, 'already in .env');
    const sh = `export AWS_ACCESS_KEY_ID="${AWS}"`;
    assert.equal(applied(sh, move(sh, 'shellscript')!), 'export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID}"');
  });

  it('offers nothing where it cannot be done plainly: unknown languages, unquoted values, interpolation, Go without "os"', () => {
    assert.equal(move(`key: ${AWS}\n`, 'yaml'), undefined);
    assert.equal(move(`const k = ${AWS};`, 'typescript'), undefined);
    assert.equal(move('const k = `${p}' + AWS + '`;', 'typescript'), undefined);
    assert.equal(move(`k := "${AWS}"`, 'go'), undefined);
    const go = `import "os"\nk := "${AWS}"`;
    assert.equal(applied(go, move(go, 'go')!), 'import "os"\nk := os.Getenv("K")');
  });

  it('quotes .env values that need it, reads .env files back, and knows when .gitignore covers .env', () => {
    const text = 'const password = "Xk9#mQ2$vL7pR4wZ";';
    const m = move(text, 'javascript')!;
    assert.equal(m.envLine, 'PASSWORD="Xk9#mQ2$vL7pR4wZ"');
    assert.deepEqual(
      [...parseDotEnv(`# comment\n${m.envLine}\nexport A=1\nB='x y'\nC="q\\"uote"\n`)],
      [
        ['PASSWORD', 'Xk9#mQ2$vL7pR4wZ'],
        ['A', '1'],
        ['B', 'x y'],
        ['C', 'q"uote'],
      ],
    );
    assert.equal(ignoresDotEnv('node_modules/\n.env\n'), true);
    assert.equal(ignoresDotEnv('/.env\n'), true);
    assert.equal(ignoresDotEnv('.env*\n'), true);
    assert.equal(ignoresDotEnv('dist/\n.envrc\n'), false);
  });
});
