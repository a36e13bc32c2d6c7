/**
 * Label colors as VS Code wants them: file decorations take theme colors only, so a hex color is mapped
 * to the nearest of the extension's contributed label colors (readable in every built-in theme, high
 * contrast included), and `charts.*` ids to the same.
 */
import * as vscode from 'vscode';
import { labelColorId } from '../../shared/color.js';

/** The chart hues (whose label colors the extension contributes), for nearest-hue matching. */
const CHART_COLORS: ReadonlyArray<readonly [string, number]> = [
  ['charts.red', 0],
  ['charts.orange', 33],
  ['charts.yellow', 50],
  ['charts.green', 100],
  ['charts.blue', 212],
  ['charts.purple', 280],
];

function hueAndSaturation(hex: string): { hue: number; saturation: number } {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => c / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  if (d === 0) return { hue: 0, saturation: 0 };
  const hue = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return { hue: hue * 60, saturation: d / (1 - Math.abs(max + min - 1) || 1) };
}

/** A theme color id for a policy color: itself when it is one, the nearest chart color for "#rrggbb", none for greys. */
export function themeColorId(color: string | undefined): string | undefined {
  if (!color) return undefined;
  if (!/^#[0-9a-f]{6}$/i.test(color)) return labelColorId(color);
  const { hue, saturation } = hueAndSaturation(color);
  if (saturation < 0.15) return undefined;
  const distance = (h: number) => Math.min(Math.abs(h - hue), 360 - Math.abs(h - hue));
  return labelColorId(CHART_COLORS.reduce((best, c) => (distance(c[1]) < distance(best[1]) ? c : best))[0]);
}

/** A decoration color (theme colors only). */
export function decorationColor(color: string | undefined): vscode.ThemeColor | undefined {
  const id = themeColorId(color);
  return id ? new vscode.ThemeColor(id) : undefined;
}
