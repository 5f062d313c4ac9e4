// collectd's `write_http` plugin with `Format "JSON"`: a JSON array of value lists,
//   {"values":[…],"dstypes":[…],"dsnames":[…],"time":1795325417.375,"interval":10.000,
//    "host":"h","plugin":"cpu","plugin_instance":"0","type":"percent","type_instance":"idle"}
// (utils_format_json.c: time and interval are seconds printed with %.3f; a NaN gauge is null).
// One record per value list per data source, named
//   <plugin>[-<plugin_instance>]/<type>[-<type_instance>]/<dsname>
// i.e. collectd's own identifier without the host, plus the data source; the host is the tag.
import type { IngestRecord } from '../types.ts';
import { preview, type FieldValue } from './fields.ts';
import { parseJsonRecords, type JsonRecordMapper } from './json-records.ts';
import type { RecordParseOptions } from './options.ts';
import { collectdTimeMs } from './time.ts';

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const valueList: JsonRecordMapper = (list, where, out, builder) => {
  const { values, dsnames, dstypes, time, host, plugin, type } = list;
  const pluginInstance = list.plugin_instance;
  const typeInstance = list.type_instance;
  if (typeof plugin !== 'string' || typeof type !== 'string') {
    throw builder.error('a value list needs string "plugin" and "type"', where);
  }
  if (
    (pluginInstance !== undefined && typeof pluginInstance !== 'string') ||
    (typeInstance !== undefined && typeof typeInstance !== 'string') ||
    (host !== undefined && typeof host !== 'string')
  ) {
    throw builder.error('"host", "plugin_instance" and "type_instance" must be strings', where);
  }
  if (!Array.isArray(values))
    throw builder.error(`"values" is ${preview(values)}, not an array`, where);
  if (!Array.isArray(dsnames) || dsnames.length !== values.length) {
    throw builder.error('"dsnames" must name each of the "values"', where);
  }
  if (dstypes !== undefined && (!Array.isArray(dstypes) || dstypes.length !== values.length)) {
    throw builder.error('"dstypes" must give a type for each of the "values"', where);
  }
  if (typeof time !== 'number')
    throw builder.error(`"time" is ${preview(time)}, not a number`, where);
  const ms = builder.checkTime(collectdTimeMs(time), where);
  const tag = optionalString(host) ?? builder.options.reference;
  let prefix = plugin;
  if (typeof pluginInstance === 'string' && pluginInstance !== '') prefix += `-${pluginInstance}`;
  prefix += `/${type}`;
  if (typeof typeInstance === 'string' && typeInstance !== '') prefix += `-${typeInstance}`;
  prefix += '/';
  for (let i = 0; i < values.length; i++) {
    const dsname: unknown = dsnames[i];
    const raw: unknown = values[i];
    if (typeof dsname !== 'string') {
      throw builder.error(`"dsnames" holds ${preview(dsname)}, not a name`, where);
    }
    let value: FieldValue;
    if (raw === null) value = null;
    else if (typeof raw === 'number') value = Number.isFinite(raw) ? raw : null;
    else
      throw builder.error(`value "${dsname}" of ${prefix} is ${preview(raw)}, not a number`, where);
    const name = prefix + dsname;
    builder.checkName(name, where);
    // A computed key defines a property even for "__proto__".
    const fields = { [name]: value };
    out.push(tag === undefined ? { time: ms, fields } : { time: ms, fields, tag });
  }
};

/** collectd `write_http` JSON: a JSON array of value lists (see the module header). */
export function parseCollectdJson(
  body: AsyncIterable<Uint8Array>,
  options?: RecordParseOptions,
): AsyncGenerator<IngestRecord[], void, undefined> {
  return parseJsonRecords('collectd-json', 'array', body, options, valueList);
}
