/**
 * Colored dots for the label quick pick. Quick picks ignore a ThemeIcon's color, so each label color gets
 * a tiny SVG (light and dark variants of theme colors), written once to the extension's global storage.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { LABEL_COLORS } from '../../shared/color.js';

/** Dark- and light-theme hex of a policy color ("#rrggbb" or a `charts.*` id; anything else a neutral grey). */
function hexes(color: string | undefined): readonly [string, string] {
  if (color && /^#[0-9a-f]{6}$/i.test(color)) return [color.toLowerCase(), color.toLowerCase()];
  const known = color && Object.hasOwn(LABEL_COLORS, color) ? LABEL_COLORS[color]!.defaults : undefined;
  return known ? [known.dark.toLowerCase(), known.light.toLowerCase()] : ['#cccccc', '#616161'];
}

const svg = (hex: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="5" fill="${hex}"/></svg>`;

/** The quick pick icon of a label color; a plain tag icon when the storage cannot be written. */
export async function labelIconPath(storage: vscode.Uri, color: string | undefined): Promise<vscode.IconPath> {
  const [dark, light] = hexes(color);
  const dir = vscode.Uri.joinPath(storage, 'label-icons');
  const file = (hex: string) => vscode.Uri.joinPath(dir, `${hex.slice(1)}.svg`);
  try {
    await fs.mkdir(dir.fsPath, { recursive: true });
    for (const hex of new Set([dark, light])) {
      const path = file(hex).fsPath;
      if (
        !(await fs.stat(path).then(
          () => true,
          () => false,
        ))
      )
        await fs.writeFile(path, svg(hex));
    }
    return { dark: file(dark), light: file(light) };
  } catch {
    return new vscode.ThemeIcon('tag');
  }
}
