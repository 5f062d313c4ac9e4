import { describe, expect, it } from 'vitest';
import { formatNumber, renderSection, rewriteSection } from './results-md.ts';
import type { BenchReport } from './types.ts';

const doc = `# Benchmark results

Intro text.

<!-- bench:alpha -->
## alpha
old alpha
<!-- /bench:alpha -->

Some hand-written note between sections.

<!-- bench:beta -->
## beta
old beta | with a pipe
<!-- /bench:beta -->
`;

describe('rewriteSection', () => {
  it('replaces only its own section and keeps everything else byte for byte', () => {
    const next = rewriteSection(doc, 'alpha', '## alpha\nnew alpha\n');
    expect(next).toBe(
      doc.replace(
        '<!-- bench:alpha -->\n## alpha\nold alpha\n<!-- /bench:alpha -->',
        '<!-- bench:alpha -->\n\n## alpha\nnew alpha\n\n<!-- /bench:alpha -->',
      ),
    );
    const again = rewriteSection(next, 'beta', '## beta\nnew beta');
    expect(again).toContain('new alpha');
    expect(again).toContain('Some hand-written note between sections.');
    expect(again).toContain('<!-- bench:beta -->\n\n## beta\nnew beta\n\n<!-- /bench:beta -->\n');
    expect(again).not.toContain('old beta');
  });

  it('appends a missing section at the end', () => {
    const next = rewriteSection(doc, 'gamma', '## gamma\nfirst');
    expect(next.startsWith(doc.trimEnd())).toBe(true);
    expect(
      next.endsWith('\n\n<!-- bench:gamma -->\n\n## gamma\nfirst\n\n<!-- /bench:gamma -->\n'),
    ).toBe(true);
    expect(rewriteSection('', 'gamma', 'x')).toBe(
      '<!-- bench:gamma -->\n\nx\n\n<!-- /bench:gamma -->\n',
    );
  });

  it('does not take a section whose name starts the same for its own', () => {
    const next = rewriteSection(doc, 'alph', 'x');
    expect(next).toContain('old alpha');
    expect(next).toContain('<!-- bench:alph -->\n\nx\n\n<!-- /bench:alph -->');
  });

  it('refuses unbalanced markers', () => {
    expect(() => rewriteSection(doc.replace('<!-- /bench:alpha -->', ''), 'alpha', 'x')).toThrow(
      /unbalanced/,
    );
    expect(() => rewriteSection(`${doc}<!-- bench:beta -->\n`, 'beta', 'x')).toThrow(/unbalanced/);
  });
});

describe('renderSection', () => {
  it('renders a table row per result with the ratio and the environment', () => {
    const report: BenchReport = {
      name: 'worker-transfer',
      date: '2026-11-22T01:00:00.000Z',
      git: null,
      env: {
        cpu: 'AMD EPYC',
        cores: 2,
        node: 'v20.20.2',
        chromium: 'Chromium 156.0.8078.79',
        gpuAdapter: {
          vendor: 'google',
          architecture: 'swiftshader',
          device: '',
          description: '',
          isFallbackAdapter: true,
        },
      },
      results: [
        {
          case: 'roundtrip/64MiB/comlink/transfer',
          metric: 'roundtrip_ms',
          value: 0.571,
          unit: 'ms',
          direction: 'lower',
          backend: 'comlink-transfer',
          speedFigure: true,
          target: null,
          peer: 'comlink-structured-clone',
          peerValue: 190.2,
          ratio: 190.2 / 0.571,
          anchor: 'ENV: 1.9 ms',
          rounds: 15,
        },
      ],
    };
    const body = renderSection(report, 'What it measures.');
    expect(body).toContain('## worker-transfer');
    expect(body).toContain('Chromium 156.0.8078.79');
    expect(body).toContain('WebGPU adapter: google / swiftshader (fallback)');
    expect(body).toContain(
      '| `roundtrip/64MiB/comlink/transfer` | roundtrip_ms | lower | comlink-transfer | 0.571 ms | comlink-structured-clone | 190 ms | **333** | 15 | – | ENV: 1.9 ms |',
    );
  });

  it('formats figures with three significant digits', () => {
    expect(formatNumber(31903.4)).toBe('31,903');
    expect(formatNumber(0.9604)).toBe('0.96');
    expect(formatNumber(1.146)).toBe('1.15');
    expect(formatNumber(0)).toBe('0');
  });
});
