/**
 * @module ingest/formats/read-pdf
 * A PDF is one document `{title, content, path, page_count}` with the text
 * of every page, extracted by pdfjs-dist. pdfjs is loaded on first use so
 * ingesting JSON never pays for it. It runs without a worker thread (Node
 * uses pdfjs's in-process "fake worker"), without eval, and without font
 * loading: text extraction needs none of them and none may reach the network.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage, titleFromFileName, type FormatInput, type IngestItem } from './ingest-item.js';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;

export async function* readPdf(input: FormatInput): AsyncGenerator<IngestItem> {
  const source = { file: input.file, index: 0 };
  let extracted: { title?: string; pages: string[] };
  try {
    extracted = await extractPdfText(new Uint8Array(await readFile(input.file)), input.signal);
  } catch (error) {
    if (input.signal?.aborted) throw error;
    yield { kind: 'error', source, message: `unreadable PDF: ${describePdfError(error)}` };
    return;
  }
  const content = extracted.pages
    .map((page) => page.trim())
    .filter(Boolean)
    .join('\n\n');
  if (content === '') {
    const message = 'no text could be extracted (a scanned PDF needs OCR, which ingest does not do)';
    yield { kind: 'error', source, message };
    return;
  }
  const title = extracted.title ?? titleFromFileName(input.relativePath);
  yield {
    kind: 'record',
    record: { title, content, path: input.relativePath, page_count: extracted.pages.length },
    source,
  };
}

async function extractPdfText(data: Uint8Array, signal?: AbortSignal): Promise<{ title?: string; pages: string[] }> {
  const { getDocument } = await (pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs'));
  const task = getDocument({
    data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    // Errors only: pdfjs otherwise warns on stderr about every missing standard font file.
    verbosity: 0,
  });
  const document = await task.promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      signal?.throwIfAborted();
      const page = await document.getPage(number);
      const text = await page.getTextContent();
      pages.push(text.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
      page.cleanup();
    }
    return { title: await readTitle(document), pages };
  } finally {
    await task.destroy();
  }
}

async function readTitle(document: { getMetadata(): Promise<{ info: unknown; metadata: unknown }> }) {
  const { info, metadata } = await document.getMetadata().catch(() => ({ info: undefined, metadata: undefined }));
  const fromInfo = (info as { Title?: unknown } | undefined)?.Title;
  if (typeof fromInfo === 'string' && fromInfo.trim() !== '') return fromInfo.trim();
  const fromXmp = (metadata as { get?(name: string): unknown } | null | undefined)?.get?.('dc:title');
  return typeof fromXmp === 'string' && fromXmp.trim() !== '' ? fromXmp.trim() : undefined;
}

function describePdfError(error: unknown): string {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === 'PasswordException') return 'the PDF is password-protected';
  return errorMessage(error);
}
