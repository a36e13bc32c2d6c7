/** package.json's contributed commands mirror the extension's command table: same ids, same titles, both ways. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMAND, COMMAND_TITLES } from '../../src/extension/commands/ids.js';

interface Contributed {
  readonly command: string;
  readonly title: string;
  readonly category?: string;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { commands: Contributed[]; menus: Record<string, { command?: string }[]> };
};

describe('command table and package.json', () => {
  it('contributes exactly the commands of the table, with the same titles, in the Sensitivity category', () => {
    const contributed = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    const table = Object.values(COMMAND);
    assert.deepEqual([...contributed.keys()].sort(), [...table].sort());
    for (const id of table) {
      assert.equal(contributed.get(id)?.title, COMMAND_TITLES[id], `title of ${id}`);
      assert.equal(contributed.get(id)?.category, 'Sensitivity', `category of ${id}`);
    }
  });

  it('menus name only commands of the table', () => {
    const known = new Set<string>(Object.values(COMMAND));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) if (item.command) assert.ok(known.has(item.command), `${menu} names ${item.command}`);
    }
  });
});
