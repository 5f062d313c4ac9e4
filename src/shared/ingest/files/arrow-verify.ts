// Bounds checks of Arrow IPC metadata (flatbuffers) before apache-arrow decodes it. apache-arrow
// trusts every length it reads: one corrupt byte in a vector length makes it loop billions of
// times (a fuzzed schema exhausted the heap). This walks every table, vector and string of a
// Message (Schema, RecordBatch, DictionaryBatch) and of a file Footer, checking each lies
// inside the metadata, with a budget on the tables visited so shared subtrees cannot explode.
// Layouts: format/Message.fbs, Schema.fbs and File.fbs of the Arrow specification.

/** Thrown by the walk; the caller turns it into an IngestParseError naming the offset. */
export class InvalidMetadata extends Error {
  override name = 'InvalidMetadata';
}

const MAX_TABLES = 100_000;
const MAX_DEPTH = 64;

export const MessageType = { NONE: 0, Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;

/** Type union tags (Schema.fbs `Type`) whose tables hold more than scalars. */
const TYPE_TIMESTAMP = 10;
const TYPE_UNION = 14;

class Flatbuffer {
  private readonly view: DataView;
  private tables = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(position: number, size: number): void {
    if (position < 0 || position + size > this.bytes.length) {
      throw new InvalidMetadata(`flatbuffer reference ${position}+${size} is out of bounds`);
    }
  }

  u8(position: number): number {
    this.need(position, 1);
    return this.view.getUint8(position);
  }

  u32(position: number): number {
    this.need(position, 4);
    return this.view.getUint32(position, true);
  }

  i64(position: number): number {
    this.need(position, 8);
    return this.view.getUint32(position + 4, true) * 2 ** 32 + this.view.getUint32(position, true);
  }

  /** A table at `position`: its vtable checked, and the visit counted. */
  table(position: number): number {
    if (++this.tables > MAX_TABLES) throw new InvalidMetadata('too many tables');
    this.need(position, 4);
    const vtable = position - this.view.getInt32(position, true);
    this.need(vtable, 4);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new InvalidMetadata('bad vtable');
    this.need(vtable, vtableSize);
    this.need(position, tableSize);
    return position;
  }

  /** Where field `id` of a table is, or 0 when the table leaves it out. */
  field(table: number, id: number, size: number): number {
    const vtable = table - this.view.getInt32(table, true);
    const vtableSize = this.view.getUint16(vtable, true);
    const slot = 4 + 2 * id;
    if (slot + 2 > vtableSize) return 0;
    const offset = this.view.getUint16(vtable + slot, true);
    if (offset === 0) return 0;
    this.need(table + offset, size);
    return table + offset;
  }

  /** The target of an offset field (a table, vector or string), or 0 when absent. */
  ref(table: number, id: number): number {
    const at = this.field(table, id, 4);
    return at === 0 ? 0 : at + this.u32(at);
  }

  /** A vector field: its element count, each element of `size` bytes within bounds. */
  vector(table: number, id: number, size: number): { start: number; length: number } {
    const at = this.ref(table, id);
    if (at === 0) return { start: 0, length: 0 };
    const length = this.u32(at);
    this.need(at + 4, length * size);
    return { start: at + 4, length };
  }

  /** A vector of tables: each element followed and checked with `check`. */
  eachTable(table: number, id: number, check: (table: number) => void): void {
    const { start, length } = this.vector(table, id, 4);
    for (let k = 0; k < length; k++) {
      const at = start + 4 * k;
      check(this.table(at + this.u32(at)));
    }
  }

  subtable(table: number, id: number, check?: (table: number) => void): void {
    const at = this.ref(table, id);
    if (at === 0) return;
    const t = this.table(at);
    check?.(t);
  }
}

function keyValues(fb: Flatbuffer, table: number, id: number): void {
  fb.eachTable(table, id, (kv) => {
    fb.vector(kv, 0, 1);
    fb.vector(kv, 1, 1);
  });
}

function field(fb: Flatbuffer, table: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new InvalidMetadata('fields nested too deep');
  fb.vector(table, 0, 1); // name
  const typeAt = fb.field(table, 2, 1);
  const typeType = typeAt === 0 ? 0 : fb.u8(typeAt);
  fb.subtable(table, 3, (type) => {
    if (typeType === TYPE_TIMESTAMP) fb.vector(type, 1, 1); // timezone
    if (typeType === TYPE_UNION) fb.vector(type, 1, 4); // typeIds
  });
  fb.subtable(table, 4, (dictionary) => {
    fb.subtable(dictionary, 1); // indexType
  });
  fb.eachTable(table, 5, (child) => {
    field(fb, child, depth + 1);
  });
  keyValues(fb, table, 6);
}

function schema(fb: Flatbuffer, table: number): void {
  fb.eachTable(table, 1, (f) => {
    field(fb, f, 0);
  });
  keyValues(fb, table, 2);
  fb.vector(table, 3, 8); // features
}

function recordBatch(fb: Flatbuffer, table: number): void {
  fb.vector(table, 1, 16); // nodes: FieldNode structs
  fb.vector(table, 2, 16); // buffers: Buffer structs
  fb.subtable(table, 3); // compression
  fb.vector(table, 4, 8); // variadicBufferCounts
}

/** Checks a Message's metadata; returns its header type and body length. */
export function verifyMessage(meta: Uint8Array): { type: number; bodyLength: number } {
  const fb = new Flatbuffer(meta);
  const message = fb.table(fb.u32(0));
  const typeAt = fb.field(message, 1, 1);
  const type = typeAt === 0 ? 0 : fb.u8(typeAt);
  const bodyAt = fb.field(message, 3, 8);
  const bodyLength = bodyAt === 0 ? 0 : fb.i64(bodyAt);
  keyValues(fb, message, 4);
  const header = fb.ref(message, 2);
  if (header === 0) throw new InvalidMetadata('a message has no header');
  const table = fb.table(header);
  if (type === MessageType.Schema) schema(fb, table);
  else if (type === MessageType.RecordBatch) recordBatch(fb, table);
  else if (type === MessageType.DictionaryBatch) {
    fb.subtable(table, 1, (batch) => {
      recordBatch(fb, batch);
    });
  } else throw new InvalidMetadata(`message type ${type} is not a schema or a batch`);
  return { type, bodyLength };
}

export interface FooterBlock {
  offset: number;
  metaDataLength: number;
  bodyLength: number;
}

/** Checks a file Footer; returns its dictionary and record batch blocks. */
export function verifyFooter(footer: Uint8Array): FooterBlock[] {
  const fb = new Flatbuffer(footer);
  const table = fb.table(fb.u32(0));
  fb.subtable(table, 1, (s) => {
    schema(fb, s);
  });
  const blocks: FooterBlock[] = [];
  for (const id of [2, 3]) {
    const { start, length } = fb.vector(table, id, 24);
    for (let k = 0; k < length; k++) {
      const at = start + 24 * k;
      blocks.push({
        offset: fb.i64(at),
        metaDataLength: fb.u32(at + 8),
        bodyLength: fb.i64(at + 16),
      });
    }
  }
  keyValues(fb, table, 4);
  return blocks;
}
