/**
 * A PDF's text layer, page by page, by pdf.js (through unpdf). Bundled on its own (dist/pdf-text.js) and
 * loaded by `pdfTextReader` only when a scan meets a PDF: pdf.js is larger than everything else together.
 * It shares no classes with the other bundles, so a refusal comes back as data.
 */
import { extractText, getDocumentProxy } from 'unpdf';

/** Why pdf.js could not read a PDF. */
export interface PdfRefusal {
  readonly code: 'E_DOCUMENT_ENCRYPTED' | 'E_DOCUMENT_INVALID';
  readonly message: string;
}

/** The text of each page, or why there is none (encrypted, or not a PDF pdf.js can read). */
export async function pdfPages(bytes: Uint8Array): Promise<string[] | PdfRefusal> {
  try {
    // pdf.js takes the buffer over (transfers it): hand it a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: true });
    try {
      return (await extractText(pdf, { mergePages: false })).text;
    } finally {
      await pdf.destroy();
    }
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'PasswordException') return { code: 'E_DOCUMENT_ENCRYPTED', message: 'the PDF is encrypted' };
    return { code: 'E_DOCUMENT_INVALID', message: `not a readable PDF (${name || 'error'})` };
  }
}
