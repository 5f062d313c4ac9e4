import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlobStoreError } from './types.ts';
import {
  checkZarrChunkKey,
  checkZarrKey,
  checkZarrPath,
  decodeZarrNodeName,
  splitZarrFilePath,
  ZARR_NODE_NAME_MAX,
  zarrNodeName,
} from './zarr-path.ts';

const ENCODED = /^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+$/;

/** Any UTF-16 string, lone surrogates included. */
const anyUnits = fc.string({ unit: fc.nat(0xffff).map((code) => String.fromCharCode(code)) });
/** Well-formed text of every plane, and the pieces of path tricks mixed in. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1 }),
  fc
    .array(
      fc.constantFrom(
        '..',
        '.',
        '/',
        '\\',
        '%2e',
        '%2f',
        '\0',
        '~',
        '.pyramid',
        'c',
        'zarr.json',
        'é',
        '🙂',
        'a',
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((parts) => parts.join('')),
);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(BlobStoreError);
    return (error as BlobStoreError).code;
  }
}

describe('zarrNodeName', () => {
  it.each([
    ['abc', 'abc'],
    ['A-Z_0-9', 'A-Z_0-9'],
    ['a.b', 'a~2Eb'],
    ['~', '~7E'],
    ['~7E', '~7E7E'],
    ['..', '~2E~2E'],
    ['%2e%2e', '~252e~252e'],
    ['\0', '~00'],
    ['a/b', 'a~2Fb'],
    ['a.pyramid', 'a~2Epyramid'],
    ['é', '~C3~A9'],
    ['🙂', '~F0~9F~99~82'],
    ['dataset/site 1', 'dataset~2Fsite~201'],
  ])('encodes %j as %j', (name, encoded) => {
    expect(zarrNodeName(name)).toBe(encoded);
    expect(decodeZarrNodeName(encoded)).toBe(name);
  });

  it('rejects the empty name, lone surrogates and names too long for a file name', () => {
    expect(codeOf(() => zarrNodeName(''))).toBe('invalid');
    expect(codeOf(() => zarrNodeName('a\uD800'))).toBe('invalid');
    expect(codeOf(() => zarrNodeName('\uDC00b'))).toBe('invalid');
    expect(zarrNodeName('x'.repeat(ZARR_NODE_NAME_MAX))).toHaveLength(ZARR_NODE_NAME_MAX);
    expect(codeOf(() => zarrNodeName('x'.repeat(ZARR_NODE_NAME_MAX + 1)))).toBe('invalid');
    expect(codeOf(() => zarrNodeName('.'.repeat(83)))).toBe('invalid');
    // The name with its pyramid suffix still fits in 255 bytes.
    expect(`${zarrNodeName('x'.repeat(ZARR_NODE_NAME_MAX))}.pyramid`).toHaveLength(255);
  });

  it('is path-safe: only [A-Za-z0-9_-] and ~XX, never a dot, slash or NUL', () => {
    fc.assert(
      fc.property(hostile, (name) => {
        fc.pre(Buffer.byteLength(name) * 3 <= ZARR_NODE_NAME_MAX);
        const encoded = zarrNodeName(name);
        expect(encoded).toMatch(ENCODED);
        expect(encoded).not.toMatch(/[./\\\0]/);
        expect(encoded).not.toBe('');
      }),
    );
  });

  it('round-trips every well-formed name', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, anyUnits), (name) => {
        const code = codeOf(() => zarrNodeName(name));
        if (code === undefined) {
          expect(decodeZarrNodeName(zarrNodeName(name))).toBe(name);
        } else {
          // Only these are refused: empty, not UTF-8, too long.
          expect(
            name === '' ||
              /\p{Surrogate}/u.test(name) ||
              Buffer.byteLength(name) > ZARR_NODE_NAME_MAX / 3,
          ).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is injective', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        fc.pre(a !== b);
        fc.pre(Buffer.byteLength(a) * 3 <= ZARR_NODE_NAME_MAX);
        fc.pre(Buffer.byteLength(b) * 3 <= ZARR_NODE_NAME_MAX);
        expect(zarrNodeName(a)).not.toBe(zarrNodeName(b));
        // A pyramid group never takes another signal's name.
        expect(`${zarrNodeName(a)}.pyramid`).not.toBe(zarrNodeName(b));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes only canonical encodings, so decoding is the exact inverse', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anyUnits,
          fc.string({
            unit: fc.constantFrom('~', 'A', 'e', '2', 'E', 'F', '0', 'C', '3', '9', '.'),
          }),
        ),
        (text) => {
          const code = codeOf(() => decodeZarrNodeName(text));
          if (code === undefined) expect(zarrNodeName(decodeZarrNodeName(text))).toBe(text);
          else expect(code).toBe('invalid');
        },
      ),
      { numRuns: 1_000 },
    );
    for (const bad of ['', '~41', '~2e', '~2', '~', 'a.b', '~C3', '~FF', '~C0~AE', '~ED~A0~80']) {
      expect(
        codeOf(() => decodeZarrNodeName(bad)),
        bad,
      ).toBe('invalid');
    }
  });
});

describe('checkZarrPath', () => {
  it('accepts encoded names, their .pyramid groups, level numbers and the root', () => {
    for (const ok of [
      [],
      [zarrNodeName('ds')],
      [zarrNodeName('ds/1'), zarrNodeName('sig.x')],
      [zarrNodeName('ds'), `${zarrNodeName('sig.x')}.pyramid`, '3'],
    ]) {
      expect(
        codeOf(() => {
          checkZarrPath(ok);
        }),
      ).toBeUndefined();
    }
  });

  it.each([
    ['..'],
    ['.'],
    [''],
    ['a/b'],
    ['%2e%2e'],
    ['\0'],
    ['a.pyramid.pyramid'],
    ['.pyramid'],
    ['~2e'],
    ['~41'],
    ['a.b'],
    ['zarr.json'],
    ['a b'],
    ['é'],
    ['x'.repeat(ZARR_NODE_NAME_MAX + 1)],
  ])('rejects the segment %j', (segment) => {
    expect(
      codeOf(() => {
        checkZarrPath([segment]);
      }),
    ).toBe('invalid');
    expect(
      codeOf(() => {
        checkZarrPath(['ok', segment]);
      }),
    ).toBe('invalid');
  });

  it('never lets an accepted path leave the root, whatever the segments', () => {
    const segment = fc.oneof(
      hostile,
      anyUnits,
      hostile.map((name) => `${name}.pyramid`),
      fc.constantFrom('..', '.', '', '/', '~2E~2E', '~2F', 'a~2Epyramid.pyramid'),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), (segments) => {
        if (
          codeOf(() => {
            checkZarrPath(segments);
          }) !== undefined
        )
          return;
        const resolved = path.resolve('/root/zarr', ...segments);
        expect(resolved === '/root/zarr' || resolved.startsWith('/root/zarr/')).toBe(true);
        expect(path.relative('/root/zarr', resolved).split(path.sep)).toHaveLength(
          Math.max(segments.length, 1),
        );
      }),
      { numRuns: 1_000 },
    );
  });

  it('accepts every encoded name and its pyramid group', () => {
    fc.assert(
      fc.property(hostile, (name) => {
        fc.pre(Buffer.byteLength(name) * 3 <= ZARR_NODE_NAME_MAX);
        checkZarrPath([zarrNodeName(name), `${zarrNodeName(name)}.pyramid`]);
      }),
    );
  });
});

describe('chunk keys', () => {
  it.each([[['c', '0']], [['c', '12']], [['c', '3', '0']], [['c', '9007199254740991']]])(
    'accepts %j',
    (key) => {
      expect(
        codeOf(() => {
          checkZarrChunkKey(key);
        }),
      ).toBeUndefined();
      expect(
        codeOf(() => {
          checkZarrKey(key);
        }),
      ).toBeUndefined();
    },
  );

  it.each([
    [[]],
    [['c']],
    [['C', '0']],
    [['c', '-1']],
    [['c', '01']],
    [['c', '1.5']],
    [['c', '1e3']],
    [['c', '']],
    [['c', '..']],
    [['c', '0', '..']],
    [['c/0']],
    [['zarr.json']],
    [['c', '12345678901234567']],
  ])('rejects the chunk key %j', (key) => {
    expect(
      codeOf(() => {
        checkZarrChunkKey(key);
      }),
    ).toBe('invalid');
  });

  it('allows zarr.json as a key to read, not as a chunk', () => {
    expect(
      codeOf(() => {
        checkZarrKey(['zarr.json']);
      }),
    ).toBeUndefined();
    expect(
      codeOf(() => {
        checkZarrKey(['zarr.json', 'x']);
      }),
    ).toBe('invalid');
    expect(
      codeOf(() => {
        checkZarrKey(['..']);
      }),
    ).toBe('invalid');
    expect(
      codeOf(() => {
        checkZarrKey(['.zarray']);
      }),
    ).toBe('invalid');
  });
});

describe('splitZarrFilePath', () => {
  it.each([
    [['zarr.json'], [], ['zarr.json']],
    [['ds', 'zarr.json'], ['ds'], ['zarr.json']],
    [
      ['ds', 'sig', 'c', '0'],
      ['ds', 'sig'],
      ['c', '0'],
    ],
    [
      ['ds', 'c', 'c', '12'],
      ['ds', 'c'],
      ['c', '12'],
    ],
    [['ds', 'c', 'zarr.json'], ['ds', 'c'], ['zarr.json']],
    [
      ['ds', 'sig.pyramid', '2', 'c', '7', '0'],
      ['ds', 'sig.pyramid', '2'],
      ['c', '7', '0'],
    ],
  ])('splits %j', (segments, path, key) => {
    expect(splitZarrFilePath(segments)).toEqual({ path, key });
  });

  it.each([
    [[]],
    [['ds']],
    [['ds', 'c']],
    [['ds', 'sig', 'c', '0', 'x']],
    [['..', 'zarr.json']],
    [['ds', 'sig', 'c', '..']],
    [['ds', 'zarr.json', 'zarr.json']],
    [['ds', '.zattrs']],
  ])('rejects %j', (segments) => {
    expect(codeOf(() => splitZarrFilePath(segments))).toBe('invalid');
  });
});
