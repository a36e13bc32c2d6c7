/**
 * Contrast as the eye gets it, from a screenshot: a PNG decoder (8-bit RGB/RGBA, the kind Chromium writes) and a
 * measure of text against its background inside a box: the background is the box's most frequent color, the
 * text the pixel that differs most from it (a glyph's fully covered pixels; edges are blended), so opacity,
 * blending and stale colors all show.
 */
import { inflateSync } from 'node:zlib';
import { contrastRatio, type Rgb } from '../../src/shared/color.js';

/** A decoded image: RGBA bytes, row by row. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Decodes a non-interlaced 8-bit RGB or RGBA PNG (PNG spec §7–§9: IDAT chunks, zlib, per-row filters). */
export function decodePng(png: Buffer): Pixels {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new RangeError('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6))
        throw new RangeError(`unsupported PNG (depth ${depth}, color type ${colorType})`);
      channels = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      if (predictor === undefined) throw new RangeError(`bad PNG filter ${filter}`);
      cur[i] = (line[i]! + predictor) & 255;
    }
    for (let x = 0; x < width; x++) {
      out.set([cur[x * channels]!, cur[x * channels + 1]!, cur[x * channels + 2]!, channels === 4 ? cur[x * channels + 3]! : 255], (y * width + x) * 4);
    }
    prev = cur;
  }
  return { width, height, data: out };
}

/** A box in CSS pixels (device pixel ratio 1). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The contrast of the text inside `box` against its background, as drawn; undefined for an empty box. */
export function measuredContrast(img: Pixels, box: Box): { ratio: number; text: Rgb; background: Rgb } | undefined {
  const [x0, y0] = [Math.max(0, Math.round(box.x)), Math.max(0, Math.round(box.y))];
  const [x1, y1] = [Math.min(img.width, Math.round(box.x + box.width)), Math.min(img.height, Math.round(box.y + box.height))];
  const counts = new Map<number, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 4;
      const key = (img.data[i]! << 16) | (img.data[i + 1]! << 8) | img.data[i + 2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  if (counts.size === 0) return undefined;
  const rgb = (k: number): Rgb => ({ r: (k >> 16) & 255, g: (k >> 8) & 255, b: k & 255 });
  const background = rgb([...counts].reduce((best, c) => (c[1] > best[1] ? c : best))[0]);
  let text = background;
  let ratio = 1;
  for (const k of counts.keys()) {
    const r = contrastRatio(rgb(k), background);
    if (r > ratio) [ratio, text] = [r, rgb(k)];
  }
  return { ratio, text, background };
}

/** "#rrggbb" of a color, for messages. */
export const hex = ({ r, g, b }: Rgb): string => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
