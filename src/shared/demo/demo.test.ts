import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEMO_SCALE,
  SLOW_SIGNALS,
  VIBRATION_RATE,
  VIBRATION_SIGNALS,
  demoPlan,
  demoSamples,
  type DemoPlan,
  type DemoRecording,
} from './index.ts';

// Small enough for quick tests: surveys of ~46 s, baselines of ~20 s.
const plan = demoPlan({ scale: 5e6, seed: 7 });

function recording(datasetId: string): DemoRecording {
  const found = plan.recordings.find((candidate) => candidate.datasetId === datasetId);
  if (found === undefined) throw new Error(`no recording ${datasetId}`);
  return found;
}

function lengthOf(demo: DemoPlan, datasetId: string, name: string): number {
  return demo.signals.find((s) => s.datasetId === datasetId && s.name === name)?.length ?? 0;
}

function bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  const x = bytes(a);
  const y = bytes(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** Accelerometer samples over [from, to) seconds. */
function seconds(datasetId: string, name: string, from: number, to: number): Float32Array {
  return demoSamples(
    plan,
    datasetId,
    name,
    Math.round(from * VIBRATION_RATE),
    Math.round(to * VIBRATION_RATE),
  );
}

function rms(values: Float32Array): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return Math.sqrt(sum / values.length);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] ?? 0;
  return sum / values.length;
}

/** |DFT| of `values` at `hz`, normalised by length. */
function dft(values: ArrayLike<number>, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < values.length; i++) {
    const angle = (2 * Math.PI * hz * i) / rate;
    re += (values[i] ?? 0) * Math.cos(angle);
    im += (values[i] ?? 0) * Math.sin(angle);
  }
  return Math.hypot(re, im) / values.length;
}

describe('demoPlan', () => {
  it('matches the requested scale within 10 %', () => {
    for (const scale of [1e6, 5e6, DEFAULT_DEMO_SCALE, 1e9]) {
      const sized = demoPlan({ scale });
      const total = sized.signals.reduce((sum, signal) => sum + signal.length, 0);
      expect(sized.totalSamples).toBe(total);
      expect(Math.abs(total - scale) / scale).toBeLessThan(0.1);
    }
  });

  it('is the same for the same options and differs with the seed', () => {
    expect(demoPlan({ scale: 5e6, seed: 7 })).toEqual(plan);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(demoPlan({ scale: 5e6, seed: 8 }).datasets).not.toEqual(plan.datasets);
  });

  it('has 2 sites, 5 turbines, a baseline and a survey of each, 6 signals per dataset', () => {
    expect(plan.sites.map((site) => site.id)).toEqual(['site/north-ridge', 'site/baltic-shore']);
    expect(plan.assets).toHaveLength(5);
    expect(plan.datasets).toHaveLength(10);
    expect(plan.signals).toHaveLength(60);
    for (const asset of plan.assets) {
      expect(asset.id).toMatch(/^asset\/[a-z0-9-]+$/);
      expect(plan.sites.some((site) => site.id === asset.site)).toBe(true);
    }
    for (const dataset of plan.datasets) {
      const asset = plan.assets.find((candidate) => candidate.id === dataset.assetId);
      expect(asset?.site).toBe(dataset.site);
      expect(Date.parse(dataset.end)).toBeGreaterThan(Date.parse(dataset.start));
      const signals = plan.signals.filter((signal) => signal.datasetId === dataset.id);
      expect(signals.map((signal) => signal.name)).toEqual([...VIBRATION_SIGNALS, ...SLOW_SIGNALS]);
      const slug = dataset.id.slice('dataset/'.length);
      for (const signal of signals) {
        expect(signal.id).toBe(`signal/${slug}/${signal.name}`);
        expect(signal.spec.t0).toBe(dataset.start);
        // Every channel covers the dataset's span.
        const span = (Date.parse(dataset.end) - Date.parse(dataset.start)) / 1000;
        expect(signal.length / signal.spec.sampleRate).toBeGreaterThanOrEqual(span);
        expect(signal.length / signal.spec.sampleRate).toBeLessThan(span + 1);
      }
    }
    const ids = [plan.sites, plan.assets, plan.datasets, plan.signals, plan.annotations]
      .flat()
      .map((doc) => doc.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('annotates every fault and dropout inside its dataset', () => {
    const annotated = [plan, demoPlan({ scale: 1000 })].flatMap((demo) =>
      demo.annotations.map((annotation) => ({
        annotation,
        dataset: demo.datasets.find((candidate) => candidate.id === annotation.datasetId),
      })),
    );
    for (const { annotation, dataset } of annotated) {
      if (dataset === undefined) throw new Error(`${annotation.id}: no dataset`);
      expect(annotation.author).toBe('demo-generator');
      expect(annotation.type).toBe('annotation');
      const [start, end] = [Date.parse(annotation.start), Date.parse(annotation.end)];
      expect(start).toBeGreaterThanOrEqual(Date.parse(dataset.start));
      expect(end).toBeGreaterThan(start);
      expect(end).toBeLessThanOrEqual(Date.parse(dataset.end));
    }
    const labels = plan.annotations.map((a) => `${a.datasetId} ${a.label} ${a.severity}`);
    expect(labels).toEqual(
      expect.arrayContaining([
        'dataset/north-ridge-t02-survey bearing-outer-race 3',
        'dataset/north-ridge-t03-survey bearing-outer-race 1',
        'dataset/baltic-shore-t01-survey imbalance 2',
        'dataset/baltic-shore-t02-survey sensor-dropout 1',
        'dataset/north-ridge-t01-baseline normal 0',
      ]),
    );
    for (const { datasetId, faults, t0 } of plan.recordings) {
      for (const fault of faults) {
        const note = plan.annotations.find(
          (a) => a.datasetId === datasetId && a.label === fault.kind,
        );
        expect(Date.parse(note?.start ?? '')).toBe(Date.parse(t0) + fault.onsetS * 1000);
      }
    }
  });

  it('rejects nonsense options', () => {
    expect(() => demoPlan({ scale: 0 })).toThrow(RangeError);
    expect(() => demoPlan({ scale: Number.NaN })).toThrow(RangeError);
    expect(() => demoPlan({ seed: 1.5 })).toThrow(RangeError);
  });
});

describe('demoSamples', () => {
  const datasetId = 'dataset/north-ridge-t02-survey';

  it('gives the same samples for the same range, from another plan object too', () => {
    const again = demoPlan({ scale: 5e6, seed: 7 });
    for (const name of [...VIBRATION_SIGNALS, ...SLOW_SIGNALS]) {
      const length = lengthOf(plan, datasetId, name);
      const first = demoSamples(plan, datasetId, name, 0, length);
      expect(sameBytes(first, demoSamples(plan, datasetId, name, 0, length))).toBe(true);
      expect(sameBytes(first, demoSamples(again, datasetId, name, 0, length))).toBe(true);
    }
  });

  it('makes any range the concatenation of its sub-ranges', () => {
    const names = [...VIBRATION_SIGNALS, ...SLOW_SIGNALS];
    fc.assert(
      fc.property(
        fc.constantFrom(...plan.datasets.map((dataset) => dataset.id)),
        fc.constantFrom(...names),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 5 }),
        (dataset, name, fractions) => {
          const length = lengthOf(plan, dataset, name);
          // Keep vibration ranges short (they cost), but anywhere in the signal.
          const points = fractions.map((f) => Math.floor(f * length)).sort((a, b) => a - b);
          const start = points[0] ?? 0;
          const end = Math.min(length, start + Math.min(length, 20_000), points.at(-1) ?? length);
          const cuts = points.filter((p) => p > start && p < end);
          const whole = demoSamples(plan, dataset, name, start, end);
          const parts = new Float32Array(end - start);
          let from = start;
          for (const to of [...cuts, end]) {
            parts.set(demoSamples(plan, dataset, name, from, to), from - start);
            from = to;
          }
          expect(sameBytes(whole, parts)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('differs between signals, datasets and seeds', () => {
    const a = demoSamples(plan, datasetId, 'drive-end-accel', 0, 4096);
    const b = demoSamples(plan, datasetId, 'non-drive-end-accel', 0, 4096);
    const c = demoSamples(plan, 'dataset/north-ridge-t01-survey', 'drive-end-accel', 0, 4096);
    const d = demoSamples(demoPlan({ scale: 5e6, seed: 8 }), datasetId, 'drive-end-accel', 0, 4096);
    expect(sameBytes(a, b) || sameBytes(a, c) || sameBytes(a, d)).toBe(false);
  });

  it('stays within physical ranges', () => {
    for (const dataset of plan.datasets) {
      const asset = plan.assets.find((candidate) => candidate.id === dataset.assetId);
      const slow = (name: string): Float32Array =>
        demoSamples(plan, dataset.id, name, 0, lengthOf(plan, dataset.id, name));
      for (const value of slow('power')) {
        expect(value).toBeGreaterThan(-0.02 * (asset?.ratedPowerKw ?? 0));
        expect(value).toBeLessThan(1.05 * (asset?.ratedPowerKw ?? 0));
      }
      for (const value of slow('rotor-speed')) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1.05 * (asset?.ratedRpm ?? 0));
      }
      for (const value of slow('temperature')) {
        if (!Number.isNaN(value)) expect(value).toBeGreaterThan(-20);
        if (!Number.isNaN(value)) expect(value).toBeLessThan(90);
      }
      const vibration = seconds(dataset.id, 'drive-end-accel', 0, 2);
      expect(vibration.every((value) => Number.isFinite(value) && Math.abs(value) < 20)).toBe(true);
      expect(rms(vibration)).toBeGreaterThan(0.02);
    }
  });

  it('reads NaN exactly over the sensor dropout', () => {
    const dropoutDataset = 'dataset/baltic-shore-t02-survey';
    const [dropout] = recording(dropoutDataset).dropouts;
    const temperature = demoSamples(
      plan,
      dropoutDataset,
      'temperature',
      0,
      lengthOf(plan, dropoutDataset, 'temperature'),
    );
    temperature.forEach((value, k) => {
      const inside = dropout !== undefined && k >= dropout.startS && k < dropout.endS;
      expect(Number.isNaN(value)).toBe(inside);
    });
  });

  it('rejects ranges outside the signal and unknown signals', () => {
    const length = lengthOf(plan, datasetId, 'power');
    expect(() => demoSamples(plan, datasetId, 'power', 0, length + 1)).toThrow(RangeError);
    expect(() => demoSamples(plan, datasetId, 'power', 3, 2)).toThrow(RangeError);
    expect(() => demoSamples(plan, datasetId, 'humidity', 0, 1)).toThrow(RangeError);
    expect(() => demoSamples(plan, 'dataset/nowhere', 'power', 0, 1)).toThrow(RangeError);
  });
});

describe('injected faults show in the data', () => {
  it('bearing defect: drive-end RMS grows, the envelope has a line at BPFO, temperature rises', () => {
    const datasetId = 'dataset/north-ridge-t02-survey';
    const { faults, vibrationLength, assetId } = recording(datasetId);
    const fault = faults[0];
    const asset = plan.assets.find((candidate) => candidate.id === assetId);
    if (fault === undefined || asset === undefined) throw new Error('fault missing');
    const duration = vibrationLength / VIBRATION_RATE;
    const healthy: [number, number] = [1, fault.onsetS - 1];
    const damaged: [number, number] = [fault.fullS + 1, duration - 1];

    const ratio =
      rms(seconds(datasetId, 'drive-end-accel', ...damaged)) /
      rms(seconds(datasetId, 'drive-end-accel', ...healthy));
    expect(ratio).toBeGreaterThan(2);

    // Envelope (squared signal) spectrum, 1 s windows, BPFO from the measured rotor speed,
    // against frequencies between its harmonics.
    const rpm = demoSamples(
      plan,
      datasetId,
      'rotor-speed',
      0,
      lengthOf(plan, datasetId, 'rotor-speed'),
    );
    const envelopeLine = ([from, to]: [number, number]): number => {
      let line = 0;
      let floor = 0;
      for (let t = Math.ceil(from); t + 1 <= to; t++) {
        const x = seconds(datasetId, 'drive-end-accel', t, t + 1);
        const squares = Array.from(x, (v) => v * v);
        const average = mean(squares);
        const centred = squares.map((v) => v - average);
        const bpfo = (asset.generatorBearing.bpfo * asset.gearRatio * (rpm[t] ?? 0)) / 60;
        line += dft(centred, bpfo, VIBRATION_RATE);
        for (const k of [0.77, 0.83, 1.13, 1.21, 1.29])
          floor += dft(centred, k * bpfo, VIBRATION_RATE) / 5;
      }
      return line / floor;
    };
    expect(envelopeLine(damaged)).toBeGreaterThan(8);
    expect(envelopeLine(healthy)).toBeLessThan(3);

    // Bearing temperature beyond what the load explains (22 °C at rated power).
    const temperature = demoSamples(plan, datasetId, 'temperature', 0, rpm.length);
    const power = demoSamples(plan, datasetId, 'power', 0, rpm.length);
    const residual = Array.from(
      temperature,
      (value, k) => value - 22 * Math.max(0, (power[k] ?? 0) / asset.ratedPowerKw),
    );
    const rise =
      mean(residual.slice(Math.ceil(damaged[0]), Math.floor(damaged[1]))) -
      mean(residual.slice(Math.ceil(healthy[0]), Math.floor(healthy[1])));
    expect(rise).toBeGreaterThan(4);
  });

  it('imbalance: the once-per-revolution (1P) component grows several times', () => {
    const datasetId = 'dataset/baltic-shore-t01-survey';
    const { faults, vibrationLength } = recording(datasetId);
    const fault = faults[0];
    if (fault === undefined) throw new Error('fault missing');
    const duration = vibrationLength / VIBRATION_RATE;
    const rpm = demoSamples(
      plan,
      datasetId,
      'rotor-speed',
      0,
      lengthOf(plan, datasetId, 'rotor-speed'),
    );
    // 1P sits near 0.2 Hz: average 64-sample buckets (as the pyramid's means do), then take
    // the DFT at the rotor frequency measured over the window.
    const onceAround = (from: number, to: number): number => {
      const x = seconds(datasetId, 'drive-end-accel', from, to);
      const means: number[] = [];
      for (let i = 0; i + 64 <= x.length; i += 64) means.push(mean(x.subarray(i, i + 64)));
      const hz = mean(rpm.subarray(Math.floor(from), Math.ceil(to))) / 60;
      // Per unit of centrifugal force (∝ speed²), so that a change of speed is not read as one
      // of balance.
      return (2 * dft(means, hz, VIBRATION_RATE / 64)) / hz ** 2;
    };
    const before = onceAround(0, fault.onsetS);
    const after = onceAround(fault.fullS, duration);
    expect(after / before).toBeGreaterThan(4);
  });
});
