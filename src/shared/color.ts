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

/** The CSS value of a policy color: hex as is, a theme color id ("charts.red") as its VS Code variable. */
export function cssColor(color: string): string | undefined {
  if (parseColor(color) && color.startsWith('#')) return color;
  if (/^[a-zA-Z][\w-]*(\.[\w-]+)*$/.test(color)) return `var(--vscode-${color.replace(/\./g, '-')})`;
  return undefined;
}
