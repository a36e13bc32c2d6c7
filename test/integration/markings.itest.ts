/**
 * Content markings of plain files in the real extension host (issue 22), in a folder with its own policy whose
 * Internal label has markings: Apply Label first saves the editor's unsaved edits (nothing lost, no conflict),
 * then the file on disk and the editor show the header and footer, and the label says the banner is on; a label
 * without markings takes them away again.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { afterEach, before, suite, test } from './harness.js';
import { closeAllEditors, openFile, uniqueName, waitFor, writeFixture } from './helpers.js';
import { api, person, useIdentity } from './sensitivity.js';

const POLICY = {
  version: 1,
  labels: [
    { id: 'public', name: 'Public' },
    { id: 'internal', name: 'Internal', markings: { header: 'INTERNAL: {label}', footer: 'End of {label} content', banner: true } },
  ],
};

interface BatchResult {
  readonly done: string[];
  readonly failed: { file: string; code?: string; message: string }[];
}

const apply = (uri: vscode.Uri, options: object) => Promise.resolve(vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', uri, options));

suite('markings', () => {
  before(async () => {
    await useIdentity(await person('alice'));
    await writeFixture('marked/.sensitivity/policy.json', JSON.stringify(POLICY));
  });
  afterEach(closeAllEditors);

  test('Apply Label saves unsaved edits, then the file and its editor carry the markings; a label without removes them', async () => {
    const name = `marked/${uniqueName('tool', '.py')}`;
    const uri = await writeFixture(name, '#!/usr/bin/env python3\nprint(1)\n');
    const editor = await openFile(name);
    await editor.edit((e) => e.insert(new vscode.Position(2, 0), 'print(2)\n'));
    assert.equal(editor.document.isDirty, true);

    const applied = await apply(uri, { label: 'internal' });
    assert.deepEqual(applied.failed, []);
    const marked = '#!/usr/bin/env python3\n# [sensitivity:header] INTERNAL: Internal\nprint(1)\nprint(2)\n# [sensitivity:footer] End of Internal content\n';
    assert.equal(await fs.readFile(uri.fsPath, 'utf8'), marked, 'the unsaved edit was saved first, then marked');
    await waitFor(() => editor.document.getText() === marked && !editor.document.isDirty, 'the editor to show the marked file');
    const label = await waitFor(async () => (await (await api()).labelOf(uri))?.label, 'the label index to see Internal');
    assert.equal(label.id, 'internal');
    assert.equal(label.banner, true);

    const removed = await apply(uri, { label: 'public', justification: 'published' });
    assert.deepEqual(removed.failed, []);
    const plain = '#!/usr/bin/env python3\nprint(1)\nprint(2)\n';
    assert.equal(await fs.readFile(uri.fsPath, 'utf8'), plain);
    await waitFor(() => editor.document.getText() === plain, 'the editor to show the file without markings');
    assert.equal((await (await api()).labelOf(uri))?.label?.banner, undefined);
  });
});
