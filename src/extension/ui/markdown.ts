/** Untrusted text inside Markdown we render (tooltips, the Inspect report): shown as written, never as markup. */
import { showable } from '../../core/display.js';

/**
 * `text` as literal Markdown: unsafe characters made visible (src/core/display.ts), then every ASCII
 * punctuation character CommonMark could read as markup backslash-escaped — links, images, emphasis, HTML,
 * entities, table pipes, and `$(…)` theme icons.
 */
export const escapeMarkdown = (text: string): string => showable(text).replace(/[\\`*_{}[\]()#+\-.!|<>~$=:&"']/g, '\\$&');
