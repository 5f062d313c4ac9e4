// From a collector's record (a JSON object or a msgpack map) to an IngestRecord: the time, the
// tag, and the fields flattened with '.' (README.md, "Fields"). Shared by every fluent format
// and Wendelin; collectd builds its own names (collectd.ts) but checks them here.
import { ExtData } from '@msgpack/msgpack';
import { IngestParseError, type IngestRecord } from '../types.ts';
import { decodeUtf8Lenient, utf8Length } from './bytes.ts';
import { MAX_FIELD_NAME_BYTES, MAX_RECORD_DEPTH, type ResolvedOptions } from './options.ts';
import { EventTime, describeTime, inRange, timeOfValue } from './time.ts';

export type FieldValue = IngestRecord['fields'][string];
export type Fields = IngestRecord['fields'];

/** Where a record starts: 1-based line (text) and 0-based byte offset. */
export interface Where {
  line?: number;
  offset?: number;
}

/** Fluent-bit's JSON output puts group attributes and event metadata under this key. */
const FLUENT_BIT_INTERNAL = '__internal__';

/** At most 3 bytes per UTF-16 unit: names this short never need counting. */
const NAME_CHECK_UNITS = Math.floor(MAX_FIELD_NAME_BYTES / 3);

export function preview(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof ExtData) return `msgpack extension type ${value.type}`;
  return 'an object';
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export class RecordBuilder {
  readonly #options: ResolvedOptions;

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  get options(): ResolvedOptions {
    return this.#options;
  }

  error(message: string, where: Where): IngestParseError {
    return new IngestParseError(this.#options.format, message, where);
  }

  fail(message: string, where: Where): never {
    throw this.error(message, where);
  }

  /** Throws unless `ms` is inside 1970 … 2100. */
  checkTime(ms: number, where: Where): number {
    if (!inRange(ms)) {
      this.fail(
        `time ${describeTime(ms)} is outside 1970-01-01T00:00:00Z … 2100-01-01T00:00:00Z`,
        where,
      );
    }
    return ms;
  }

  /** Throws unless a flattened field name fits the limit. */
  checkName(name: string, where: Where): void {
    if (name.length > NAME_CHECK_UNITS) {
      const bytes = utf8Length(name);
      if (bytes > MAX_FIELD_NAME_BYTES) {
        this.fail(
          `field name ${JSON.stringify(`${name.slice(0, 40)}…`)} is ${bytes} bytes long, more than ${MAX_FIELD_NAME_BYTES}`,
          where,
        );
      }
    }
  }

  /**
   * A fluent record → IngestRecord. `eventMs`: the event's own time (msgpack), which wins over
   * the time field; `metaTag`: a tag found in the event's metadata.
   */
  fluent(
    record: Record<string, unknown>,
    eventMs: number | undefined,
    metaTag: string | undefined,
    where: Where,
  ): IngestRecord {
    const { timeKey, tagKey, timeFormat } = this.#options;
    let time = eventMs;
    let usedTimeKey: string | undefined;
    if (time === undefined && timeKey !== undefined && Object.hasOwn(record, timeKey)) {
      const raw = record[timeKey];
      // A null time field is no time (the receive time), and no field either.
      if (raw !== null) {
        time = timeOfValue(raw, timeFormat);
        if (time === undefined) {
          this.fail(`time field "${timeKey}" holds ${preview(raw)}, not a time`, where);
        }
      }
      usedTimeKey = timeKey;
    }
    time = time === undefined ? this.#options.receivedAt : this.checkTime(time, where);
    let tag = metaTag ?? this.#options.reference;
    let usedTagKey: string | undefined;
    if (tagKey !== undefined && Object.hasOwn(record, tagKey)) {
      const raw = record[tagKey];
      if (typeof raw === 'string') {
        tag = raw;
        usedTagKey = tagKey;
      }
    }
    const fields: Fields = {};
    for (const key in record) {
      if (key === usedTimeKey || key === usedTagKey || key === FLUENT_BIT_INTERNAL) continue;
      this.#addValue(fields, key, record[key], 1, where);
    }
    return tag === undefined ? { time, fields } : { time, fields, tag };
  }

  /** Adds `value` under `name`; nested maps become `name.key` (depth: the map's level). */
  #addValue(fields: Fields, name: string, value: unknown, depth: number, where: Where): void {
    switch (typeof value) {
      case 'number':
        // JSON cannot hold NaN or ±Infinity (msgpack can, and JSON's 1e999 overflows).
        this.#set(fields, name, Number.isFinite(value) ? value : null, where);
        return;
      case 'string':
      case 'boolean':
        this.#set(fields, name, value, where);
        return;
      case 'object': {
        if (value === null) {
          this.#set(fields, name, null, where);
          return;
        }
        if (Array.isArray(value)) {
          this.#set(fields, name, this.#stringifyArray(value, depth + 1, where), where);
          return;
        }
        if (isPlainObject(value)) {
          if (depth + 1 > MAX_RECORD_DEPTH) this.#tooDeep(where);
          for (const key in value) {
            this.#addValue(fields, `${name}.${key}`, value[key], depth + 1, where);
          }
          return;
        }
        this.#set(fields, name, this.#scalar(value, where), where);
        return;
      }
      default:
        this.fail(`field "${name}" holds an unsupported value (${typeof value})`, where);
    }
  }

  /** Binary, EventTime and msgpack timestamps as field values. */
  #scalar(value: object, where: Where): FieldValue {
    if (value instanceof Uint8Array) return decodeUtf8Lenient(value);
    if (value instanceof EventTime) return value.toMs() / 1000;
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? null : value.toISOString();
    }
    return this.fail(`unsupported value: ${preview(value)}`, where);
  }

  #tooDeep(where: Where): never {
    return this.fail(`record nested deeper than ${MAX_RECORD_DEPTH} levels`, where);
  }

  /** Arrays become their JSON text (see README.md): one string field, not one field per item. */
  #stringifyArray(array: unknown[], depth: number, where: Where): string {
    const special = this.#walk(array, depth, where);
    if (!special) return JSON.stringify(array);
    return JSON.stringify(array, (_key, item: unknown) =>
      typeof item === 'object' && item !== null && !Array.isArray(item) && !isPlainObject(item)
        ? this.#scalar(item, where)
        : item,
    );
  }

  /** Checks the nesting depth below an array; true when it holds binary or extension values. */
  #walk(container: unknown[] | Record<string, unknown>, depth: number, where: Where): boolean {
    if (depth > MAX_RECORD_DEPTH) this.#tooDeep(where);
    let special = false;
    const items = Array.isArray(container) ? container : Object.values(container);
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue;
      if (Array.isArray(item) || isPlainObject(item)) {
        if (this.#walk(item, depth + 1, where)) special = true;
      } else {
        special = true;
      }
    }
    return special;
  }

  #set(fields: Fields, name: string, value: FieldValue, where: Where): void {
    this.checkName(name, where);
    if (name === '__proto__') {
      // A plain assignment would replace the object's prototype instead of adding a field.
      Object.defineProperty(fields, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      fields[name] = value;
    }
  }
}
