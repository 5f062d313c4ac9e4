// Fieldlake-like documents for the docstore benchmark, from a seeded generator so that both
// engines store exactly the same data in a round. Values are random (Chromium compresses what it
// stores: zeros or repeated strings would flatter both engines).

import { Random } from '../../lib/random.ts';

export { Random };

export type DocKind = 'site' | 'asset' | 'dataset' | 'signal' | 'chunk-page' | 'annotation';

/** Fields every document of the benchmark carries (the two indexed ones included). */
export interface BaseDoc {
  id: string;
  type: DocKind;
  /** The server's revision, as Fieldlake's data model has it. */
  _rev: string;
  datasetId: string;
  severity: number;
}

/** An annotation-like small document (~320 bytes of JSON). */
export interface SmallDoc extends BaseDoc {
  signalId: string;
  t0: number;
  t1: number;
  author: string;
  device: string;
  label: string;
  text: string;
  createdAt: string;
}

/** One entry of a paged chunk manifest. */
export interface ChunkEntry {
  sha256: string;
  count: number;
  min: number;
  max: number;
  mean: number;
  nanCount: number;
}

export interface ChunkPageDoc extends BaseDoc {
  signalId: string;
  page: number;
  entries: ChunkEntry[];
}

export interface SignalDoc extends BaseDoc {
  length: number;
  chunkLength: number;
  pages: number;
  unit: string;
  t0: number;
  sampleRate: number;
}

export type FieldlakeDoc = SmallDoc | ChunkPageDoc | SignalDoc;

/** Number of distinct datasets the small documents are spread over. */
export const datasets = 50;

export function datasetId(k: number): string {
  return `ds-${String(k).padStart(5, '0')}`;
}

const labels = ['bearing-wear', 'imbalance', 'cavitation', 'misalignment', 'ok', 'sensor-fault'];
const otherKinds: DocKind[] = ['site', 'asset', 'dataset', 'signal'];

/**
 * `n` small documents: 80 % annotations, 5 % each of site/asset/dataset/signal (same shape, so the
 * store sees one size), spread over `datasets` datasets, severity 0–4.
 */
export function smallDocs(random: Random, n: number): SmallDoc[] {
  const docs: SmallDoc[] = new Array<SmallDoc>(n);
  const base = 1.7e12;
  for (let i = 0; i < n; i++) {
    const r = random.int(20);
    const type: DocKind = r < 16 ? 'annotation' : (otherKinds[r - 16] as DocKind);
    const t0 = base + random.int(3e10);
    docs[i] = {
      id: `${type.slice(0, 3)}-${random.hex(16)}`,
      type,
      _rev: `1-${random.hex(16)}`,
      datasetId: datasetId(random.int(datasets)),
      severity: random.int(5),
      signalId: `sig-${random.hex(12)}`,
      t0,
      t1: t0 + random.int(3.6e6),
      author: `u-${random.hex(8)}`,
      device: `dev-${random.hex(8)}`,
      label: labels[random.int(labels.length)] as string,
      text: random.words(30),
      createdAt: new Date(t0 + random.int(1e6)).toISOString(),
    };
  }
  return docs;
}

/** A float32 statistic as JSON carries it (7 significant digits). */
function f32(x: number): number {
  return Number(Math.fround(x).toPrecision(7));
}

export function chunkEntry(random: Random): ChunkEntry {
  const a = (random.float() - 0.5) * 200;
  const b = (random.float() - 0.5) * 200;
  return {
    sha256: random.hex(64),
    count: 262_144,
    min: f32(Math.min(a, b)),
    max: f32(Math.max(a, b)),
    mean: f32((a + b) / 2 + (random.float() - 0.5)),
    nanCount: random.int(3),
  };
}

/** A full chunk-page document (1 024 entries, ~150 KB of JSON). */
export function chunkPage(random: Random, signalId: string, page: number): ChunkPageDoc {
  const entries: ChunkEntry[] = [];
  for (let i = 0; i < 1024; i++) entries.push(chunkEntry(random));
  return {
    id: `${signalId}/page/${page}`,
    type: 'chunk-page',
    _rev: `1-${random.hex(16)}`,
    datasetId: datasetId(0),
    severity: 0,
    signalId,
    page,
    entries,
  };
}

export function signalHeader(random: Random, signalId: string): SignalDoc {
  return {
    id: signalId,
    type: 'signal',
    _rev: `1-${random.hex(16)}`,
    datasetId: datasetId(0),
    severity: 0,
    length: 1024 * 262_144,
    chunkLength: 262_144,
    pages: 1,
    unit: 'm/s^2',
    t0: 1.7e12,
    sampleRate: 25_600,
  };
}

/** The next revision after `rev` (`n-token` → `n+1-newtoken`), as our engine numbers them. */
export function nextRev(rev: string, random: Random): string {
  const dash = rev.indexOf('-');
  const height = Number.parseInt(dash < 0 ? rev : rev.slice(0, dash), 10);
  return `${(Number.isFinite(height) ? height : 0) + 1}-${random.hex(16)}`;
}
