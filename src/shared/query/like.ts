// LIKE patterns: `%` any run of characters, `_` one character, `\%` `\_` `\\` the character
// itself; anchored at both ends; case-insensitive. Matched without RegExp so that a pattern
// such as `%a%a%a%a%b` cannot backtrack exponentially on the lake server: the pieces between
// `%`s are found leftmost-first, which is exact for this pattern language, in O(text × pattern).

/** A pattern piece between two `%`: folded code points, or ANY for `_`. */
type Piece = readonly number[];

const ANY = -1;

export interface LikePattern {
  /** Pieces between `%`s; one piece means the pattern has no unescaped `%`. */
  readonly pieces: readonly Piece[];
  /**
   * Per piece, its folded text when it is all ASCII without `_` (then ASCII text is searched
   * natively); null when a piece has `_`; false when it holds a non-ASCII folded character,
   * which no ASCII text can match.
   */
  readonly ascii: readonly (string | null | false)[];
}

function withAscii(pieces: readonly Piece[]): LikePattern {
  const ascii = pieces.map((piece) => {
    if (piece.some((c) => c >= 0x80)) return false;
    if (piece.includes(ANY)) return null;
    return String.fromCharCode(...piece);
  });
  return { pieces, ascii };
}

/** Splits a pattern into its literal characters and wildcards. */
export function scanPattern(pattern: string): { text: string; hasPercent: boolean } {
  let text = '';
  let hasPercent = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    const next = pattern[i + 1];
    if (c === '\\' && (next === '%' || next === '_' || next === '\\')) {
      text += next;
      i += 1;
    } else {
      if (c === '%') hasPercent = true;
      text += c;
    }
  }
  return { text, hasPercent };
}

/** Whether an implicit (operator-less) value is a LIKE: it has a `%` not preceded by `\`. */
export function hasUnescapedPercent(pattern: string): boolean {
  return scanPattern(pattern).hasPercent;
}

/** The text an implicit value without `%` is compared with: its escapes removed. */
export function unescapePattern(pattern: string): string {
  return scanPattern(pattern).text;
}

/** Compiles a LIKE pattern once, to match many strings. */
export function compileLike(pattern: string): LikePattern {
  const pieces: number[][] = [[]];
  let piece: number[] = pieces[0] ?? [];
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.codePointAt(i) ?? 0;
    if (c > 0xffff) i += 1;
    const next = pattern[i + 1];
    if (c === 0x5c && (next === '%' || next === '_' || next === '\\')) {
      piece.push(fold(next.charCodeAt(0)));
      i += 1;
    } else if (c === 0x25) {
      piece = [];
      pieces.push(piece);
    } else {
      piece.push(c === 0x5f ? ANY : fold(c));
    }
  }
  return withAscii(pieces);
}

/** `%` + pattern + `%`: a value searched anywhere in a field, as jIO does without a key. */
export function compileContains(pattern: string): LikePattern {
  const inner = compileLike(pattern).pieces;
  return withAscii([[], ...inner, []]);
}

const foldCache = new Map<number, number>();

/**
 * Simple case folding of one code point: upper then lower case (so `ς`, `σ`, `Σ` and the
 * Kelvin sign fold together), kept only when it stays one code point.
 */
export function fold(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  const cached = foldCache.get(c);
  if (cached !== undefined) return cached;
  const char = String.fromCodePoint(c);
  let folded = c;
  for (const candidate of [char.toUpperCase().toLowerCase(), char.toLowerCase()]) {
    const first = candidate.codePointAt(0);
    if (first !== undefined && String.fromCodePoint(first) === candidate) {
      folded = first;
      break;
    }
  }
  foldCache.set(c, folded);
  return folded;
}

function foldedCodePoints(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      out.push(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    } else {
      const cp = text.codePointAt(i) ?? c;
      if (cp > 0xffff) i += 1;
      out.push(fold(cp));
    }
  }
  return out;
}

function pieceAt(text: readonly number[], piece: Piece, at: number): boolean {
  for (let j = 0; j < piece.length; j += 1) {
    const p = piece[j];
    if (p !== ANY && p !== text[at + j]) return false;
  }
  return true;
}

function matchCodePoints(pieces: readonly Piece[], text: readonly number[]): boolean {
  const first = pieces[0] ?? [];
  if (pieces.length === 1) return text.length === first.length && pieceAt(text, first, 0);
  const lastPiece = pieces[pieces.length - 1] ?? [];
  const end = text.length - lastPiece.length;
  if (end < first.length || !pieceAt(text, first, 0) || !pieceAt(text, lastPiece, end)) {
    return false;
  }
  let at = first.length;
  for (let k = 1; k < pieces.length - 1; k += 1) {
    const piece = pieces[k] ?? [];
    let found = -1;
    for (let start = at; start + piece.length <= end; start += 1) {
      if (pieceAt(text, piece, start)) {
        found = start;
        break;
      }
    }
    if (found < 0) return false;
    at = found + piece.length;
  }
  return true;
}

/** Piece k at `at` of lower-cased ASCII text (one code unit per character). */
function asciiPieceAt(pattern: LikePattern, k: number, text: string, at: number): boolean {
  const plain = pattern.ascii[k];
  if (typeof plain === 'string') return text.startsWith(plain, at);
  if (plain === false) return false;
  const piece = pattern.pieces[k] ?? [];
  for (let j = 0; j < piece.length; j += 1) {
    const p = piece[j];
    if (p !== ANY && p !== text.charCodeAt(at + j)) return false;
  }
  return true;
}

function matchAscii(pattern: LikePattern, text: string): boolean {
  const { pieces } = pattern;
  const last = pieces.length - 1;
  const firstLength = pieces[0]?.length ?? 0;
  if (last === 0) return text.length === firstLength && asciiPieceAt(pattern, 0, text, 0);
  const end = text.length - (pieces[last]?.length ?? 0);
  if (
    end < firstLength ||
    !asciiPieceAt(pattern, 0, text, 0) ||
    !asciiPieceAt(pattern, last, text, end)
  ) {
    return false;
  }
  let at = firstLength;
  for (let k = 1; k < last; k += 1) {
    const length = pieces[k]?.length ?? 0;
    const plain = pattern.ascii[k];
    let found = -1;
    if (typeof plain === 'string') {
      found = text.indexOf(plain, at);
      if (found + length > end) found = -1;
    } else {
      for (let start = at; start + length <= end; start += 1) {
        if (asciiPieceAt(pattern, k, text, start)) {
          found = start;
          break;
        }
      }
    }
    if (found < 0) return false;
    at = found + length;
  }
  return true;
}

const nonAscii = /[\u0080-\uffff]/;

/** Whether the whole of `value` matches the pattern. */
export function matchLike(pattern: LikePattern, value: string): boolean {
  // For ASCII text, lower case is the fold and code units are characters.
  if (!nonAscii.test(value)) return matchAscii(pattern, value.toLowerCase());
  return matchCodePoints(pattern.pieces, foldedCodePoints(value));
}
