/**
 * Label colors: a policy gives "#rrggbb" or a theme color id; the chip's text must stay readable on it.
 * Contrast per WCAG 2.2 §1.4.3 (relative luminance and contrast ratio definitions).
 */

/** An sRGB color, channels 0–255. */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** A color with its opacity, 0 (transparent) to 1. */
export interface Rgba extends Rgb {
  readonly a: number;
}

function alphaOf(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
}

/** Parses "#rgb", "#rgba", "#rrggbb", "#rrggbbaa" and "rgb(a)(r, g, b[, a])"; undefined for anything else. */
export function parseColor(text: string): Rgba | undefined {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join('') : hex;
    const n = Number.parseInt(full.slice(0, 6), 16);
    const a = full.length === 8 ? Number.parseInt(full.slice(6), 16) / 255 : 1;
    return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255, a };
  }
  const fn = /^rgba?\(\s*(\d{1,3})[\s,]+(\d{1,3})[\s,]+(\d{1,3})\s*(?:[,/]\s*([\d.]+%?)\s*)?\)$/.exec(s);
  if (fn) {
    const [r, g, b] = [fn[1], fn[2], fn[3]].map(Number) as [number, number, number];
    if (r <= 255 && g <= 255 && b <= 255) return { r, g, b, a: alphaOf(fn[4]) };
  }
  return undefined;
}

/** What a translucent color looks like over an opaque background (source-over compositing). */
export function composite(color: Rgba, background: Rgb): Rgb {
  const mix = (c: number, d: number) => Math.round(c * color.a + d * (1 - color.a));
  return { r: mix(color.r, background.r), g: mix(color.g, background.g), b: mix(color.b, background.b) };
}

/** WCAG relative luminance, 0 (black) to 1 (white). */
export function luminance({ r, g, b }: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio between two colors, 1 to 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const BLACK: Rgb = { r: 0, g: 0, b: 0 };
const WHITE: Rgb = { r: 255, g: 255, b: 255 };

/** Black or white, whichever reads better on `background` (at least 4.5:1 for any background there is one for). */
export function readableTextColor(background: Rgb): '#000000' | '#ffffff' {
  return contrastRatio(background, BLACK) >= contrastRatio(background, WHITE) ? '#000000' : '#ffffff';
}

/** Which theme a color default is for (VS Code's `contributes.colors` defaults). */
export type ThemeKind = 'dark' | 'light' | 'highContrast' | 'highContrastLight';

/**
 * The extension's label colors, contributed as `sensitivity.label<Hue>` (package.json `contributes.colors`
 * holds these same defaults; a unit test checks both, and their contrast of at least 4.5:1 on every
 * built-in theme's side bar, editor and tab backgrounds). VS Code's own `charts.*` colors are translucent
 * or too dark on Dark Modern, so policies naming them get these instead.
 */
export const LABEL_COLORS: Readonly<Record<string, { readonly id: string; readonly defaults: Readonly<Record<ThemeKind, string>> }>> = {
  'charts.red': { id: 'sensitivity.labelRed', defaults: { dark: '#F48771', light: '#B5200D', highContrast: '#FF8A80', highContrastLight: '#A51C0B' } },
  'charts.orange': { id: 'sensitivity.labelOrange', defaults: { dark: '#F0A35E', light: '#9A4A00', highContrast: '#FFB366', highContrastLight: '#8A4500' } },
  'charts.yellow': { id: 'sensitivity.labelYellow', defaults: { dark: '#E2C08D', light: '#7A5D00', highContrast: '#FFE066', highContrastLight: '#6B5200' } },
  'charts.green': { id: 'sensitivity.labelGreen', defaults: { dark: '#89D185', light: '#2C6E31', highContrast: '#8CFF8C', highContrastLight: '#1B6420' } },
  'charts.blue': { id: 'sensitivity.labelBlue', defaults: { dark: '#75BEFF', light: '#0059A8', highContrast: '#6FC3FF', highContrastLight: '#0F4A85' } },
  'charts.purple': { id: 'sensitivity.labelPurple', defaults: { dark: '#D7A3F5', light: '#7A35B0', highContrast: '#E0A0FF', highContrastLight: '#6F2DA8' } },
};

/** The theme color id to draw a policy color with: a `charts.*` hue becomes the extension's own label color. */
export function labelColorId(color: string): string {
  return Object.hasOwn(LABEL_COLORS, color) ? LABEL_COLORS[color]!.id : color;
}

/** The CSS value of a policy color: hex as is, a theme color id ("charts.red") as its VS Code variable. */
export function cssColor(color: string): string | undefined {
  if (parseColor(color) && color.startsWith('#')) return color;
  if (/^[a-zA-Z][\w-]*(\.[\w-]+)*$/.test(color)) return `var(--vscode-${labelColorId(color).replace(/\./g, '-')})`;
  return undefined;
}
