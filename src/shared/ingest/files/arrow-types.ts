// The part of apache-arrow the Arrow IPC parser uses, described structurally. src/shared does
// not import the package: its type declarations reference Node's (`/// <reference
// types="node" />`), which would put Buffer, process and the rest into tsconfig.pure.json's
// program and hide every stray Node API there. The caller passes the module it loaded
// (`await import('apache-arrow')`, lazily, so the browser bundle loads Arrow only to import
// an Arrow file); the tests check that the real module fits these types.

/** apache-arrow's `Type` enum values the parser tells apart (stable since Arrow JS 1.0). */
export const ArrowTypeId = {
  Int: 2,
  Float: 3,
  Utf8: 5,
  Date: 8,
  Timestamp: 10,
  LargeUtf8: 20,
} as const;

/** `Precision` of Float types. */
export const ArrowPrecision = { HALF: 0, SINGLE: 1, DOUBLE: 2 } as const;

/** `TimeUnit` of Timestamp types. */
export const ArrowTimeUnit = { SECOND: 0, MILLISECOND: 1, MICROSECOND: 2, NANOSECOND: 3 } as const;

/** `DateUnit` of Date types. */
export const ArrowDateUnit = { DAY: 0, MILLISECOND: 1 } as const;

export interface ArrowDataType {
  readonly typeId: number;
  /** Int */
  readonly bitWidth?: number;
  readonly isSigned?: boolean;
  /** Float */
  readonly precision?: number;
  /** Timestamp (TimeUnit) and Date (DateUnit) */
  readonly unit?: number;
  toString(): string;
}

export interface ArrowField {
  /** A string in every well-formed schema; apache-arrow gives null for a corrupt one. */
  readonly name: string | null;
  readonly type: ArrowDataType;
}

export type ArrowValueArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** One column of one record batch (apache-arrow's `Data`). */
export interface ArrowData {
  readonly type: ArrowDataType;
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly nullBitmap: Uint8Array | null | undefined;
  readonly values: ArrowValueArray;
  /** Utf8 (Int32Array) and LargeUtf8 (BigInt64Array) */
  readonly valueOffsets: Int32Array | BigInt64Array | null | undefined;
}

export interface ArrowRecordBatch {
  readonly numRows: number;
  readonly data: { readonly children: readonly ArrowData[] };
}

export interface ArrowReader extends AsyncIterable<ArrowRecordBatch> {
  readonly schema: { readonly fields: readonly ArrowField[] } | null | undefined;
  open(): unknown;
}

/** What of `import('apache-arrow')` the parser needs. */
export interface ArrowModule {
  readonly RecordBatchReader: {
    from(source: AsyncIterable<Uint8Array>): Promise<ArrowReader>;
  };
}
