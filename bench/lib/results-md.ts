// bench/RESULTS.md: one section per benchmark between `<!-- bench:NAME -->` and
// `<!-- /bench:NAME -->`. Recording a benchmark rewrites its own section only; a missing section
// is appended at the end. Everything outside the markers is left byte for byte as it was.
import { format, resolveConfig } from 'prettier';
import type { BenchReport, BenchResult } from './types.ts';

export function startMarker(name: string): string {
  return `<!-- bench:${name} -->`;
}

export function endMarker(name: string): string {
  return `<!-- /bench:${name} -->`;
}

function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length))
    found.push(at);
  return found;
}

/**
 * `doc` with the section of `name` replaced by `body` (markers added here), or with a new section
 * appended when `doc` has none. Throws when the markers are unbalanced, so a hand-edited file is
 * never silently mangled.
 */
export function rewriteSection(doc: string, name: string, body: string): string {
  const start = startMarker(name);
  const end = endMarker(name);
  // Blank lines around the body: that is how prettier writes HTML comments in markdown.
  const block = `${start}\n\n${body.trim()}\n\n${end}`;
  const starts = occurrences(doc, start);
  const ends = occurrences(doc, end);
  if (starts.length === 0 && ends.length === 0) {
    const base = doc.replace(/\s*$/, '');
    return `${base === '' ? '' : `${base}\n\n`}${block}\n`;
  }
  const [from] = starts;
  const [to] = ends;
  if (
    starts.length !== 1 ||
    ends.length !== 1 ||
    from === undefined ||
    to === undefined ||
    to < from
  ) {
    throw new Error(
      `RESULTS.md: the markers of "${name}" are unbalanced (${starts.length} × "${start}", ${ends.length} × "${end}")`,
    );
  }
  return doc.slice(0, from) + block + doc.slice(to + end.length);
}

/** A figure with three significant digits (integers from 1000 up), thousands grouped. */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  const digits =
    Math.abs(value) >= 1000 ? 0 : Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  const rounded = Number(value.toFixed(Math.min(digits, 6)));
  return rounded.toLocaleString('en-US', {
    maximumFractionDigits: Math.min(digits, 6),
    useGrouping: true,
  });
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function withUnit(value: number, result: BenchResult): string {
  return `${formatNumber(value)} ${result.unit}`;
}

function row(result: BenchResult): string {
  const ours = withUnit(result.value, result) + (result.speedFigure ? '' : ' (not a speed figure)');
  const cells = [
    `\`${result.case}\``,
    result.metric,
    result.direction === 'higher' ? 'higher' : 'lower',
    result.backend,
    ours,
    result.peer ?? '–',
    result.peerValue === null ? '–' : withUnit(result.peerValue, result),
    result.ratio === null ? '–' : `**${formatNumber(result.ratio)}**`,
    String(result.rounds),
    result.target === null ? '–' : withUnit(result.target, result),
    result.anchor ?? '–',
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** The body of a benchmark's section (without the markers). */
export function renderSection(report: BenchReport, description: string): string {
  const { env } = report;
  const adapter = env.gpuAdapter;
  const machine = [
    `${env.cpu} (${env.cores} cores)`,
    `Node ${env.node}`,
    ...(env.chromium === null ? [] : [env.chromium]),
    ...(env.chromium === null
      ? []
      : [
          adapter === null
            ? 'WebGPU adapter: none'
            : `WebGPU adapter: ${[adapter.vendor, adapter.architecture, adapter.description].filter((s) => s !== '').join(' / ') || 'unnamed'}${adapter.isFallbackAdapter ? ' (fallback)' : ''}`,
        ]),
  ];
  return [
    `## ${report.name}`,
    '',
    description,
    '',
    `Recorded ${report.date} at ${report.git === null ? 'no commit' : `\`${report.git}\``} on ${machine.join(' · ')}.`,
    '',
    '| case | metric | better | backend | Fieldlake | peer | peer value | ratio | rounds | target | anchor |',
    '|---|---|---|---|---:|---|---:|---:|---:|---:|---|',
    ...report.results.map(row),
  ].join('\n');
}

/**
 * `markdown` as the repository's prettier would write it (aligned tables), so a recorded
 * RESULTS.md passes `npm run format:check` without touching the other sections.
 */
export async function formatMarkdown(markdown: string, filePath: string): Promise<string> {
  const config = (await resolveConfig(filePath)) ?? {};
  return format(markdown, { ...config, parser: 'markdown', filepath: filePath });
}
