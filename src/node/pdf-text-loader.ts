/** Loads dist/pdf-text.js (pdf.js) on the first PDF, not before: the CLI and the extension start without it. */
import { join } from 'node:path';
import type { PdfTextReader } from '../core/documents/text.js';
import { SensitivityError } from '../core/errors.js';

let loaded: Promise<typeof import('./pdf-text.js').pdfPages> | undefined;

/** The PDF text reader, loaded once: the bundle beside this one, or the source under tsx (tests). */
export const pdfTextReader: PdfTextReader = async (bytes) => {
  loaded ??= (async () => {
    // Computed paths: esbuild leaves them to Node, so pdf.js stays out of this bundle.
    const module = join(__dirname, __filename.endsWith('.ts') ? 'pdf-text.ts' : 'pdf-text.js');
    try {
      return ((await import(module)) as typeof import('./pdf-text.js')).pdfPages;
    } catch {
      loaded = undefined;
      throw new SensitivityError('E_DOCUMENT_UNAVAILABLE', 'reading the text of PDFs is not available in this build (no pdf-text.js)');
    }
  })();
  const pages = await (await loaded)(bytes);
  if (Array.isArray(pages)) return pages;
  throw new SensitivityError(pages.code, pages.message);
};
