// Streaming parsers of uploaded files (CSV, WAV, .npy, Arrow IPC), shared by the lake and the
// browser. Pure ECMAScript: no DOM, no Node API, no import of apache-arrow (the caller passes
// it, see arrow-types.ts). Rules, conversions and refusals: README.md beside this file.
import type { FileHeader, ParsedFile } from '../types.ts';
import { parseArrow } from './arrow.ts';
import type { ParseFileOptions } from './common.ts';
import { parseCsv } from './csv.ts';
import { parseNpy } from './npy.ts';
import { parseWav } from './wav.ts';

export type FileFormat = FileHeader['format'];
export type { ArrowOptions, CsvOptions, ParseFileOptions } from './common.ts';
export { MAX_BLOCK_ROWS } from './common.ts';
export type { ArrowModule } from './arrow-types.ts';
export { parseArrow, parseCsv, parseNpy, parseWav };

/**
 * Reads the head of `body` and resolves with the file's header and its blocks (an async
 * iterable to consume once; it reads the rest of the body as it is iterated). Malformed input
 * rejects, here or during the iteration, with an IngestParseError that says where; stopping
 * the iteration early lets the body go (its iterator's `return()`).
 */
export function parseFile(
  format: FileFormat,
  body: AsyncIterable<Uint8Array>,
  options?: ParseFileOptions,
): Promise<ParsedFile> {
  switch (format) {
    case 'csv':
      return parseCsv(body, options);
    case 'wav':
      return parseWav(body, options);
    case 'npy':
      return parseNpy(body, options);
    case 'arrow':
      return parseArrow(body, options);
    default:
      // Callers in plain JavaScript (or with a format from a request) can pass anything.
      return Promise.reject(new TypeError(`unknown file format '${String(format)}'`));
  }
}
