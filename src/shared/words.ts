/** Words people read for the protocol's values, shared by the host and the webview so both say the same. */
import type { Right } from '../core/rights.js';

/** How people read each usage right (Purview's EXTRACT is "copy"). */
export const RIGHT_WORDS: Readonly<Record<Right, string>> = {
  VIEW: 'view',
  EDIT: 'edit',
  EXTRACT: 'copy',
  PRINT: 'print',
  EXPORT: 'export',
  VIEWRIGHTSDATA: 'see access',
  EDITRIGHTSDATA: 'change access',
  OWNER: 'own',
};
