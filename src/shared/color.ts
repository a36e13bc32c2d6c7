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

/** The opacity VS Code draws file decoration badges at (workbench CSS `.monaco-icon-label:after { opacity: .75 }`). */
export const BADGE_OPACITY = 0.75;

/** The contrast of `color` drawn at `opacity` over `background`, as the eye sees it: the text is blended in first. */
export function renderedContrast(color: Rgba, background: Rgb, opacity = 1): number {
  return contrastRatio(composite({ ...color, a: color.a * opacity }, background), background);
}

/**
 * The extension's label colors, contributed as `sensitivity.label<Hue>` (package.json `contributes.colors`
 * holds these same defaults; a unit test checks both, and that a badge letter drawn in them at
 * {@link BADGE_OPACITY} keeps a contrast of at least 4.5:1 on every built-in theme's side bar, list hover and
 * selection, editor and tab backgrounds). VS Code's own `charts.*` colors are translucent or too dark on Dark
 * Modern, so policies naming them get these instead.
 */
export const LABEL_COLORS: Readonly<Record<string, { readonly id: string; readonly defaults: Readonly<Record<ThemeKind, string>> }>> = {
  'charts.red': { id: 'sensitivity.labelRed', defaults: { dark: '#F8B5A7', light: '#8A180A', highContrast: '#FF8A80', highContrastLight: '#A51C0B' } },
  'charts.orange': { id: 'sensitivity.labelOrange', defaults: { dark: '#F4BA86', light: '#643000', highContrast: '#FFB366', highContrastLight: '#763B00' } },
  'charts.yellow': { id: 'sensitivity.labelYellow', defaults: { dark: '#E2C08D', light: '#4A3800', highContrast: '#FFE066', highContrastLight: '#594400' } },
  'charts.green': { id: 'sensitivity.labelGreen', defaults: { dark: '#94D590', light: '#1B441E', highContrast: '#8CFF8C', highContrastLight: '#17541B' } },
  'charts.blue': { id: 'sensitivity.labelBlue', defaults: { dark: '#91CBFF', light: '#003F78', highContrast: '#6FC3FF', highContrastLight: '#0F4A85' } },
  'charts.purple': { id: 'sensitivity.labelPurple', defaults: { dark: '#E0B8F7', light: '#57267D', highContrast: '#E0A0FF', highContrastLight: '#6B2BA2' } },
};

/**
 * Text colors of the access panel's warnings and refusals ("expiring", "No access"): the themes' own
 * `editorWarning.foreground` and `errorForeground` read at 2.5–3.4:1 in Light Modern, so the panel draws
 * with these, contributed like the label colors and checked the same way (full opacity).
 */
export const TEXT_COLORS: Readonly<Record<'warning' | 'error', { readonly id: string; readonly defaults: Readonly<Record<ThemeKind, string>> }>> = {
  warning: { id: 'sensitivity.warningForeground', defaults: { dark: '#CCA700', light: '#815C03', highContrast: '#FFD370', highContrastLight: '#895503' } },
  error: { id: 'sensitivity.errorForeground', defaults: { dark: '#F48771', light: '#A1260D', highContrast: '#F48771', highContrastLight: '#B5200D' } },
};

/**
 * The editor banner of a label with `markings.banner` (issue 22): its text and background, contributed like the
 * label colors. The pair is the extension's own in every theme kind, so its contrast (at least 4.5:1) holds on
 * any theme; a unit test checks it and the UI test measures it from screenshots.
 */
export const BANNER_COLORS: Readonly<Record<'foreground' | 'background', { readonly id: string; readonly defaults: Readonly<Record<ThemeKind, string>> }>> = {
  foreground: { id: 'sensitivity.bannerForeground', defaults: { dark: '#1F1F1F', light: '#FFFFFF', highContrast: '#000000', highContrastLight: '#FFFFFF' } },
  background: { id: 'sensitivity.bannerBackground', defaults: { dark: '#F4BA86', light: '#7A3E00', highContrast: '#FFD370', highContrastLight: '#763B00' } },
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
