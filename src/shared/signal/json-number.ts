// Statistics may be NaN or infinite, which JSON cannot hold. As Zarr v3 does for fill values,
// those are written as the strings "NaN", "Infinity" and "-Infinity".

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** JSON has no −0 either: it is written as 0 (`+ 0`), here rather than by JSON.stringify. */
export function toJsonNumber(value: number): JsonNumber {
  if (Number.isFinite(value)) return value + 0;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

export function fromJsonNumber(value: JsonNumber): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}
