// The header of a .npy file is a Python dict literal (`{'descr': '<f8', 'fortran_order':
// False, 'shape': (3, 2), }`): this reads that small subset of Python literal syntax (dicts,
// tuples, lists, strings, integers, True/False/None), never evaluating anything.
import { IngestParseError } from '../types.ts';

export type PyValue = string | number | boolean | null | readonly PyValue[] | PyDict;
export interface PyDict {
  readonly [key: string]: PyValue;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};

/** Parses `text`; errors name the byte offset `base + position`. */
export function parsePyLiteral(text: string, base: number): PyValue {
  let i = 0;
  const fail = (what: string): IngestParseError =>
    new IngestParseError('npy', `the header is not a Python dict literal: ${what}`, {
      offset: base + i,
    });
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
  };
  const sequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      skipSpace();
      if (text.charAt(i) === close) {
        i++;
        return items;
      }
      items.push(value());
      skipSpace();
      if (text.charAt(i) === ',') i++;
      else if (text.charAt(i) !== close) throw fail(`expected ',' or '${close}'`);
    }
  };
  const value = (depth = 0): PyValue => {
    if (depth > 8) throw fail('nested too deep');
    skipSpace();
    const c = text.charAt(i);
    if (c === '{') {
      i++;
      const dict: Record<string, PyValue> = {};
      for (;;) {
        skipSpace();
        if (text.charAt(i) === '}') {
          i++;
          return dict;
        }
        const key = value(depth + 1);
        if (typeof key !== 'string') throw fail('a key is not a string');
        skipSpace();
        if (text.charAt(i) !== ':') throw fail("expected ':'");
        i++;
        dict[key] = value(depth + 1);
        skipSpace();
        if (text.charAt(i) === ',') i++;
        else if (text.charAt(i) !== '}') throw fail("expected ',' or '}'");
      }
    }
    if (c === '(') {
      i++;
      return sequence(')');
    }
    if (c === '[') {
      i++;
      return sequence(']');
    }
    if (c === "'" || c === '"') {
      i++;
      let out = '';
      for (;;) {
        if (i >= text.length) throw fail('a string is not closed');
        const d = text.charAt(i);
        i++;
        if (d === c) return out;
        if (d === '\\') {
          const escaped = ESCAPES[text.charAt(i)];
          if (escaped === undefined) throw fail('an unknown escape in a string');
          out += escaped;
          i++;
        } else {
          out += d;
        }
      }
    }
    const word = /^(?:-?\d+L?|True|False|None)/.exec(text.slice(i, i + 40));
    if (word === null) throw fail(c === '' ? 'it ends early' : `unexpected '${c}'`);
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 wrote long integers with an L suffix: (3L, 2L).
    const number = Number(word[0].replace('L', ''));
    if (!Number.isSafeInteger(number)) throw fail(`the integer ${word[0]} is too large`);
    return number;
  };
  const result = value();
  skipSpace();
  if (i !== text.length) throw fail('text after the dict');
  return result;
}
