// Which format a slice is written in, and what it is called: a `.arrow`, `.npy` or `.csv`
// suffix on the signal's name wins, then the `format` query parameter, then the Accept header,
// then Arrow. An Accept that names none of them (a browser's text/html, */*) is not refused:
// the default still serves, since the path or query said what was wanted.
import { HttpError } from '../../http/errors.ts';

export const SLICE_FORMATS = ['arrow', 'npy', 'csv'] as const;
export type SliceFormat = (typeof SLICE_FORMATS)[number];

const MEDIA_TYPES: Readonly<Record<string, SliceFormat>> = {
  'application/vnd.apache.arrow.stream': 'arrow',
  'application/x-npy': 'npy',
  'text/csv': 'csv',
};

const SUFFIX = /\.(arrow|npy|csv)$/;

/** The name without a format suffix, and the format the suffix names. */
export function splitSuffix(name: string): { base: string; format: SliceFormat | undefined } {
  const match = SUFFIX.exec(name);
  if (match === null) return { base: name, format: undefined };
  return { base: name.slice(0, match.index), format: match[1] as SliceFormat };
}

/** The known format the Accept header prefers (highest q, first on ties), if any. */
export function formatFromAccept(accept: string | undefined): SliceFormat | undefined {
  if (accept === undefined) return undefined;
  let best: { format: SliceFormat; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const format = MEDIA_TYPES[type];
    if (format === undefined) continue;
    let q = 1;
    for (const parameter of parameters) {
      const match = /^q=([0-9.]+)$/.exec(parameter);
      if (match !== null) q = Number(match[1]);
    }
    if (q > 0 && (best === undefined || q > best.q)) best = { format, q };
  }
  return best?.format;
}

/** The format of a request; 400 when the suffix and the query parameter disagree. */
export function chooseFormat(options: {
  suffix: SliceFormat | undefined;
  query: SliceFormat | undefined;
  accept: string | undefined;
}): SliceFormat {
  const { suffix, query } = options;
  if (suffix !== undefined && query !== undefined && suffix !== query) {
    throw new HttpError(
      'bad_request',
      `The name asks for .${suffix} but format=${query}: give one of them`,
      { reason: 'conflicting_format' },
    );
  }
  return suffix ?? query ?? formatFromAccept(options.accept) ?? 'arrow';
}

/** `vibration.level2.0-4096.csv`: the signal, the level when not raw, the sample range. */
export function sliceFilename(
  signalName: string,
  level: number,
  range: { start: number; end: number },
  format: SliceFormat,
): string {
  const levelPart = level > 0 ? `.level${level}` : '';
  return `${signalName}${levelPart}.${range.start}-${range.end}.${format}`;
}

/**
 * A Content-Disposition header for `filename`: an ASCII fallback (anything outside a safe set
 * becomes `_`, so no quote, backslash or control character can break the header) and the
 * exact name in RFC 8187 form for clients that read it.
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200);
  const exact = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
