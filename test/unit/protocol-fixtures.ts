/** View-model rows for the access panel's unit tests. */
import { problemRow } from '../../src/extension/panel/model.js';
import type { FileRow, PersonView } from '../../src/shared/protocol.js';

/** A grantee (Viewer unless `extra` says otherwise); its id is `id`, its email `<id>@example.com` unless given. */
export function person(id: string, extra: Partial<PersonView> = {}): PersonView {
  return {
    id,
    name: id,
    email: `${id}@example.com`,
    role: 'Viewer',
    rights: ['VIEW', 'VIEWRIGHTSDATA'],
    owner: false,
    recovery: false,
    you: false,
    fingerprint: '00000 00000 00000 00000 00000 00000',
    ...extra,
  };
}

/** What a row offers when `actions` names nothing else: opening it. */
export const OPEN_ONLY: FileRow['actions'] = { open: true, applyLabel: false, protect: false, grant: false, revoke: false, expiry: false, restore: false };

/** A protected row offering only to open it, labeled Confidential, unless `extra` says otherwise. */
export function row(path: string, extra: Partial<FileRow> = {}): FileRow {
  return { ...problemRow(path, ''), label: { id: 'confidential', name: 'Confidential' }, labelRank: 2, problem: null, actions: OPEN_ONLY, ...extra };
}
