// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The rooms and who may enter them (docs/ARCHITECTURE.md): core ← node/shared ← cli/extension/webview.
const core = {
  paths: [{ name: 'vscode', message: 'src/core is pure: hosts pass ports in, the core never imports vscode.' }],
  patterns: [
    {
      group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process'],
      message: 'src/core runs where only WebCrypto exists: Node comes in through ports (src/core/app/ports.ts).',
    },
    { group: ['**/node/**', '**/extension/**', '**/cli/**', '**/webview/**', '**/keyservice/**'], message: 'src/core must not import host code.' },
  ],
};
const node = {
  paths: [{ name: 'vscode', message: 'src/node adapts ports for both hosts: it never imports vscode.' }],
  patterns: [{ group: ['**/extension/**', '**/cli/**', '**/webview/**'], message: 'src/node must not import its hosts.' }],
};
const cli = {
  paths: [{ name: 'vscode', message: 'The CLI runs without VS Code.' }],
  patterns: [{ group: ['**/extension/**', '**/webview/**'], message: 'The CLI must not import the extension or the webview.' }],
};
const extension = {
  patterns: [
    { group: ['**/cli/**'], message: 'The extension must not import the CLI: both call src/core/app.' },
    { group: ['**/keyservice/**', 'pkcs11js'], message: 'The key service (and its native module) never loads in the extension.' },
  ],
};
const keyservice = {
  paths: [{ name: 'vscode', message: 'The key service runs without VS Code.' }],
  patterns: [{ group: ['**/extension/**', '**/webview/**', '**/cli/**'], message: 'src/keyservice imports the core and src/node only.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', '.artifacts/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', core] },
  },
  {
    files: ['src/node/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', node] },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', cli] },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', extension] },
  },
  {
    files: ['src/keyservice/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', keyservice] },
  },
  {
    // The protocol is shared by the extension host and the browser: types from host code only, no values.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/shared is loaded by the webview too.' }],
          patterns: [
            { group: ['node:*'], message: 'src/shared is loaded by the webview too.' },
            {
              group: ['**/core/**', '**/node/**', '**/extension/**', '**/cli/**'],
              allowTypeImports: true,
              message: 'src/shared may import types from host code, never values.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview is a browser page: talk to the host through src/shared.' }],
          patterns: [{ group: ['**/core/**', '**/extension/**', '**/cli/**'], message: 'The webview imports src/shared only.' }],
        },
      ],
    },
  },
);
