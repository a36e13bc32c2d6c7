/**
 * The access panel (loaded with a dynamic `import()` on first use): every labeled or protected file, who
 * can open it with which role, what you may do, and actions that run the extension's commands.
 */
import type * as vscode from 'vscode';
import { AccessPanel, type AccessPanelHandle } from './panel.js';
import type { PanelServices } from './services.js';

export { ACCESS_PANEL_VIEW_TYPE, type AccessPanelHandle } from './panel.js';
export { PANEL_COMMANDS, type PanelServices } from './services.js';
export type { PanelFinding } from './model.js';

/** Opens the access panel (or reveals the open one) and returns it; the panel indexes the workspace in the background. */
export async function showAccessPanel(context: vscode.ExtensionContext, services: PanelServices): Promise<AccessPanelHandle> {
  return AccessPanel.show(context, services);
}

/** The file of a row the open access panel shows, if any. */
export function fileOnScreen(path: string): vscode.Uri | undefined {
  return AccessPanel.fileOnScreen(path);
}
