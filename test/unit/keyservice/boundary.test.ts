/** The key service and its native PKCS#11 module never reach the extension's bundle (built by npm test). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('dist/extension.js holds no key service code and never loads pkcs11js', () => {
  const bundle = readFileSync('dist/extension.js', 'utf8');
  assert.doesNotMatch(bundle, /pkcs11/i);
  assert.doesNotMatch(bundle, /src\/keyservice\//);
  const cli = readFileSync('dist/cli-main.js', 'utf8');
  assert.match(cli, /require\("pkcs11js"\)/, 'the CLI loads it from node_modules (external), only for key-service commands');
});
