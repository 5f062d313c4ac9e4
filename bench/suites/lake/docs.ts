// Documents of lake/changes-1e5: annotation-like JSON of 300 B–2 KB (seeded, so every run writes
// the same ones) written through POST /api/bulk, then the whole change feed pulled page by page
// with include_docs — and, as the peer, the same pages read straight from the lake's SQLite file
// in this process (no HTTP, no auth, no JSON serialisation by a server; the bodies are parsed as
// the client parses the feed's).
import Database from 'better-sqlite3';
import type {
  ChangesResponse,
  WireBulkItem,
  WireBulkResult,
} from '../../../src/shared/wire/lake.ts';
import { Random } from '../../lib/random.ts';
import type { Client } from './http-client.ts';
import { getJson, postJson } from './http-client.ts';

export const DOC_SITES = 4;
export const DOC_DATASETS = 20;

const words = ['bearing', 'noise', 'spike', 'drift', 'gap', 'vibration', 'check', 'ok', 'pump'];
const labels = ['bearing-wear', 'imbalance', 'misalignment', 'sensor-dropout', 'gear-mesh'];

function datasetId(index: number): string {
  return `dataset/bench-docs-${index}`;
}

/** The sites and datasets the annotations hang from (written first: parents must exist). */
export function parentDocs(): WireBulkItem[] {
  const items: WireBulkItem[] = [];
  for (let s = 0; s < DOC_SITES; s++) {
    items.push({ id: `site/bench-docs-${s}`, doc: { type: 'site', name: `Bench site ${s}` } });
  }
  for (let d = 0; d < DOC_DATASETS; d++) {
    items.push({
      id: datasetId(d),
      doc: { type: 'dataset', site: `site/bench-docs-${d % DOC_SITES}`, title: `Dataset ${d}` },
    });
  }
  return items;
}

/** Annotation `index`: ~220 bytes of fields plus a note of 150–1 750 characters (≈ 0.37–1.97 KB). */
export function annotationDoc(random: Random, index: number): WireBulkItem {
  const start = 1_767_225_600_000 + random.int(3e10);
  const noteLength = 150 + random.int(1600);
  let note = '';
  while (note.length < noteLength) note += `${words[random.int(words.length)] ?? 'x'} `;
  return {
    id: `annotation/bench/${index.toString().padStart(7, '0')}`,
    doc: {
      type: 'annotation',
      datasetId: datasetId(random.int(DOC_DATASETS)),
      label: labels[random.int(labels.length)] ?? 'other',
      severity: random.int(5),
      start: new Date(start).toISOString(),
      end: new Date(start + random.int(600_000)).toISOString(),
      author: `tech-${random.hex(6)}`,
      note: note.slice(0, noteLength),
    },
  };
}

/** Writes the parents and `count` annotations in requests of `batch`; resolves to bytes sent. */
export async function seedDocs(
  client: Client,
  count: number,
  batch: number,
  seed = 0x1a4e,
): Promise<number> {
  const random = new Random(seed);
  let bytes = 0;
  const write = async (items: WireBulkItem[]): Promise<void> => {
    bytes += items.reduce((sum, item) => sum + JSON.stringify(item.doc).length, 0);
    const { results } = await postJson<{ results: WireBulkResult[] }>(client, '/api/bulk', {
      items,
    });
    const failed = results.find((result) => !result.ok);
    if (failed !== undefined || results.length !== items.length) {
      throw new Error(`POST /api/bulk failed: ${JSON.stringify(failed ?? results.length)}`);
    }
  };
  await write(parentDocs());
  for (let first = 0; first < count; first += batch) {
    const items: WireBulkItem[] = [];
    for (let i = first; i < Math.min(count, first + batch); i++) {
      items.push(annotationDoc(random, i));
    }
    await write(items);
  }
  return bytes;
}

/** Pulls the whole feed from the start through GET /api/changes; resolves to the documents seen. */
export async function pullFeed(client: Client, limit: number): Promise<number> {
  let since = '0';
  let docs = 0;
  for (;;) {
    const page = await getJson<ChangesResponse>(
      client,
      `/api/changes?since=${encodeURIComponent(since)}&limit=${limit}&include_docs=true`,
    );
    if (page.results.length === 0) return docs;
    for (const change of page.results) if (change.doc !== undefined) docs++;
    since = String(page.last_seq);
  }
}

interface Row {
  seq: number;
  id: string;
  rev: string;
  deleted: number;
  body: string;
}

/** The peer: the same pages from the lake's SQLite file, opened read-only in this process. */
export class SqliteFeed {
  readonly #db: Database.Database;
  readonly #page: Database.Statement<{ since: number; limit: number }, Row>;

  constructor(file: string) {
    this.#db = new Database(file, { readonly: true, fileMustExist: true });
    this.#page = this.#db.prepare<{ since: number; limit: number }, Row>(
      'SELECT seq, id, rev, deleted, body FROM docs WHERE seq > @since ORDER BY seq LIMIT @limit',
    );
  }

  /** The whole feed in pages of `limit`, each body parsed; resolves to the documents seen. */
  pull(limit: number): number {
    let since = 0;
    let docs = 0;
    for (;;) {
      const rows = this.#page.all({ since, limit });
      if (rows.length === 0) return docs;
      for (const row of rows) {
        if (row.deleted !== 0) continue;
        const doc = JSON.parse(row.body) as Record<string, unknown>;
        doc._rev = row.rev;
        docs++;
      }
      since = rows.at(-1)?.seq ?? since;
    }
  }

  close(): void {
    this.#db.close();
  }
}
