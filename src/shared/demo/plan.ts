// The demo's world: two wind farms, five turbines, a baseline and a survey recording of each,
// with faults injected at known times and annotated. Everything here is plain JSON data derived
// from (seed, scale), so a worker given the same options (or this plan) regenerates the same
// samples; samples themselves come from samples.ts, range by range.
import type { NewSignal } from '../signal/types.ts';
import { streamKey, uniformAt } from './random.ts';

/** About 64 M samples (a few hundred MB of float32): what `npm start` loads by default. */
export const DEFAULT_DEMO_SCALE = 64_000_000;
export const DEFAULT_DEMO_SEED = 1;

/** Accelerometer channels sample at 5 120 Hz (a usual condition-monitoring rate: 2 kHz × 2.56). */
export const VIBRATION_RATE = 5120;
/** Temperature, power and rotor speed are SCADA channels at 1 Hz. */
export const SLOW_RATE = 1;
/** Samples per chunk of the 1 Hz channels. */
export const SLOW_CHUNK_LENGTH = 2 ** 14;

export const VIBRATION_SIGNALS = [
  'drive-end-accel',
  'non-drive-end-accel',
  'gearbox-accel',
] as const;
export const SLOW_SIGNALS = ['temperature', 'power', 'rotor-speed'] as const;
export type VibrationSignal = (typeof VIBRATION_SIGNALS)[number];
export type SlowSignal = (typeof SLOW_SIGNALS)[number];
export type DemoSignalName = VibrationSignal | SlowSignal;

export interface DemoOptions {
  /** Total samples over every signal of every dataset (within a few %). */
  scale?: number;
  /** Any integer: the same seed and scale give the same documents and samples. */
  seed?: number;
}

export interface DemoSite {
  id: string;
  type: 'site';
  name: string;
  description: string;
  location: { lat: number; lon: number };
  timezone: string;
}

/** Rolling-element bearing defect frequencies, in orders of the shaft it sits on. */
export interface BearingOrders {
  designation: string;
  bpfo: number;
  bpfi: number;
  bsf: number;
  ftf: number;
}

export interface DemoTurbine {
  manufacturer: string;
  model: string;
  ratedPowerKw: number;
  rotorDiameterM: number;
  hubHeightM: number;
  /** Rotor speed (rpm) at and above rated wind; the controller never runs slower than minRpm. */
  ratedRpm: number;
  minRpm: number;
  cutInMs: number;
  ratedWindMs: number;
  cutOutMs: number;
  /** Generator speed / rotor speed. */
  gearRatio: number;
  /** Teeth of the high-speed pinion: gear mesh frequency = teeth × generator speed. */
  pinionTeeth: number;
  /** The generator's drive-end bearing (where the demo's bearing defects are). */
  generatorBearing: BearingOrders;
}

export interface DemoAsset extends DemoTurbine {
  id: string;
  type: 'asset';
  site: string;
  name: string;
}

export interface DemoDataset {
  id: string;
  type: 'dataset';
  site: string;
  assetId: string;
  title: string;
  description: string;
  /** ISO 8601 instants: the first sample and the end of the last one. */
  start: string;
  end: string;
}

export interface DemoAnnotation {
  id: string;
  type: 'annotation';
  datasetId: string;
  start: string;
  end: string;
  label: string;
  /** 0 normal, 1 watch, 2 warning, 3 alarm. */
  severity: number;
  text: string;
  author: 'demo-generator';
}

export interface DemoSignal {
  /** `signal/<dataset slug>/<name>`, where the dataset's id is `dataset/<dataset slug>`. */
  id: string;
  name: DemoSignalName;
  datasetId: string;
  /** Samples. */
  length: number;
  spec: NewSignal & { dtype: 'float32'; t0: string; sampleRate: number; unit: string };
}

export type DemoFaultKind = 'bearing-outer-race' | 'imbalance';

/** A fault injected into a recording: absent before `onsetS`, growing to `magnitude` at `fullS`. */
export interface DemoFault {
  kind: DemoFaultKind;
  /** Seconds from the recording's start. */
  onsetS: number;
  fullS: number;
  /** 1 = a clear, alarm-level fault; smaller is incipient. */
  magnitude: number;
}

/** A sensor dropout: the signal reads NaN over [startS, endS). */
export interface DemoDropout {
  signal: DemoSignalName;
  startS: number;
  endS: number;
}

/** What the sample generator needs about one dataset (plain data, derived from the seed). */
export interface DemoRecording {
  datasetId: string;
  assetId: string;
  siteId: string;
  t0: string;
  vibrationLength: number;
  slowLength: number;
  /** Mean wind speed (m/s) and its standard deviation over the recording. */
  windMean: number;
  windSd: number;
  ambientC: number;
  /** Time constant of the bearing temperature (s): compressed for short recordings. */
  thermalTauS: number;
  faults: DemoFault[];
  dropouts: DemoDropout[];
}

export interface DemoPlan {
  seed: number;
  scale: number;
  /** Samples over all signals: within 10 % of `scale` (from about 10^6 up). */
  totalSamples: number;
  sites: DemoSite[];
  assets: DemoAsset[];
  datasets: DemoDataset[];
  signals: DemoSignal[];
  annotations: DemoAnnotation[];
  recordings: DemoRecording[];
}

const NORTH_RIDGE_TURBINE: DemoTurbine = {
  manufacturer: 'Fieldlake Demo Wind',
  model: 'FDW-2.0/90',
  ratedPowerKw: 2000,
  rotorDiameterM: 90,
  hubHeightM: 80,
  ratedRpm: 16.1,
  minRpm: 9,
  cutInMs: 3.5,
  ratedWindMs: 12,
  cutOutMs: 25,
  gearRatio: 104.5,
  pinionTeeth: 23,
  generatorBearing: { designation: '6330 C3', bpfo: 3.58, bpfi: 5.42, bsf: 2.37, ftf: 0.398 },
};

const BALTIC_SHORE_TURBINE: DemoTurbine = {
  manufacturer: 'Fieldlake Demo Wind',
  model: 'FDW-3.6/120',
  ratedPowerKw: 3600,
  rotorDiameterM: 120,
  hubHeightM: 90,
  ratedRpm: 13,
  minRpm: 6.5,
  cutInMs: 3,
  ratedWindMs: 12.5,
  cutOutMs: 25,
  gearRatio: 115.3,
  pinionTeeth: 27,
  generatorBearing: { designation: 'NU 232 ECM', bpfo: 6.18, bpfi: 8.82, bsf: 2.61, ftf: 0.412 },
};

interface SiteSeed {
  slug: string;
  name: string;
  description: string;
  location: { lat: number; lon: number };
  timezone: string;
  turbine: DemoTurbine;
  turbines: number;
  windMean: number;
  ambientC: number;
}

const SITES: readonly SiteSeed[] = [
  {
    slug: 'north-ridge',
    name: 'North Ridge',
    description: 'Onshore wind farm on an exposed ridge: three 2.0 MW geared turbines.',
    location: { lat: 57.412, lon: -4.873 },
    timezone: 'Europe/London',
    turbine: NORTH_RIDGE_TURBINE,
    turbines: 3,
    windMean: 8.5,
    ambientC: 6,
  },
  {
    slug: 'baltic-shore',
    name: 'Baltic Shore',
    description: 'Coastal wind farm on the Baltic: two 3.6 MW geared turbines.',
    location: { lat: 54.581, lon: 13.442 },
    timezone: 'Europe/Berlin',
    turbine: BALTIC_SHORE_TURBINE,
    turbines: 2,
    windMean: 9.5,
    ambientC: 9,
  },
];

type RecordingKind = 'baseline' | 'survey';

/** Share of the samples per recording: surveys run longer than the commissioning baselines. */
const WEIGHT: Record<RecordingKind, number> = { baseline: 0.6, survey: 1.4 };

/** Recording lengths are multiples of 128 samples (25 ms), so every duration is whole ms. */
const LENGTH_STEP = 128;

interface Injection {
  faults?: DemoFault[];
  dropouts?: DemoDropout[];
}

/** Faults and dropouts by dataset slug, as fractions of the recording's duration. */
function injections(slug: string, duration: number): Injection {
  const at = (fraction: number): number => Math.round(fraction * duration);
  switch (slug) {
    case 'north-ridge-t02-survey':
      return {
        faults: [{ kind: 'bearing-outer-race', onsetS: at(0.3), fullS: at(0.8), magnitude: 1 }],
      };
    case 'north-ridge-t03-survey':
      return {
        faults: [{ kind: 'bearing-outer-race', onsetS: at(0.7), fullS: at(1), magnitude: 0.3 }],
      };
    case 'baltic-shore-t01-survey':
      return { faults: [{ kind: 'imbalance', onsetS: at(0.25), fullS: at(0.7), magnitude: 1 }] };
    case 'baltic-shore-t02-survey':
      // At least one 1 Hz reading long, but inside the recording however short it is.
      return {
        dropouts: [
          { signal: 'temperature', startS: at(0.5), endS: Math.min(duration, at(0.53) + 1) },
        ],
      };
    default:
      return {};
  }
}

const UNITS: Record<DemoSignalName, string> = {
  'drive-end-accel': 'g',
  'non-drive-end-accel': 'g',
  'gearbox-accel': 'g',
  temperature: '°C',
  power: 'kW',
  'rotor-speed': 'rpm',
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkOptions(options: DemoOptions): { scale: number; seed: number } {
  const scale = options.scale ?? DEFAULT_DEMO_SCALE;
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 2 ** 40) {
    throw new RangeError(`scale must be a positive number of samples, got ${scale}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return { scale, seed };
}

/** The demo's documents and the layout of its samples, for a total of about `scale` samples. */
export function demoPlan(options: DemoOptions = {}): DemoPlan {
  const { scale, seed } = checkOptions(options);
  const plan: DemoPlan = {
    seed,
    scale,
    totalSamples: 0,
    sites: [],
    assets: [],
    datasets: [],
    signals: [],
    annotations: [],
    recordings: [],
  };
  const kinds: RecordingKind[] = ['baseline', 'survey'];
  const turbineCount = SITES.reduce((sum, site) => sum + site.turbines, 0);
  const totalWeight = turbineCount * (WEIGHT.baseline + WEIGHT.survey);
  // Samples per second of one dataset: three accelerometers and three 1 Hz channels.
  const perSecond = VIBRATION_SIGNALS.length * VIBRATION_RATE + SLOW_SIGNALS.length * SLOW_RATE;
  const key = streamKey(seed, 'plan');
  let draw = 0;
  const random = (): number => uniformAt(key, draw++);

  let assetIndex = 0;
  for (const site of SITES) {
    const siteId = `site/${site.slug}`;
    plan.sites.push({
      id: siteId,
      type: 'site',
      name: site.name,
      description: site.description,
      location: site.location,
      timezone: site.timezone,
    });
    for (let t = 1; t <= site.turbines; t++, assetIndex++) {
      const number = String(t).padStart(2, '0');
      const assetSlug = `${site.slug}-t${number}`;
      const assetId = `asset/${assetSlug}`;
      const name = `${site.name} T${number}`;
      plan.assets.push({ id: assetId, type: 'asset', site: siteId, name, ...site.turbine });
      for (const kind of kinds) {
        const slug = `${assetSlug}-${kind}`;
        const datasetId = `dataset/${slug}`;
        const seconds = (scale * WEIGHT[kind]) / totalWeight / perSecond;
        const vibrationLength =
          Math.max(1, Math.round((seconds * VIBRATION_RATE) / LENGTH_STEP)) * LENGTH_STEP;
        const duration = vibrationLength / VIBRATION_RATE;
        const slowLength = Math.ceil(duration * SLOW_RATE);
        // Baselines at commissioning (autumn 2024), surveys the next spring; daytime starts.
        const day = kind === 'baseline' ? Date.UTC(2024, 9, 7) : Date.UTC(2025, 2, 18);
        const startMs =
          day + assetIndex * 86_400_000 + (8 * 3600 + Math.floor(random() * 6 * 3600)) * 1000;
        const t0 = iso(startMs);
        const end = iso(startMs + duration * 1000);
        const { faults = [], dropouts = [] } = injections(slug, duration);
        plan.recordings.push({
          datasetId,
          assetId,
          siteId,
          t0,
          vibrationLength,
          slowLength,
          windMean: site.windMean + (random() - 0.5) * 3,
          windSd: 1.2 + random(),
          ambientC: site.ambientC + (kind === 'survey' ? 2 : 4) + (random() - 0.5) * 2,
          thermalTauS: Math.min(1200, Math.max(20, duration / 6)),
          faults,
          dropouts,
        });
        plan.datasets.push({
          id: datasetId,
          type: 'dataset',
          site: siteId,
          assetId,
          title: `${name} ${kind === 'baseline' ? 'commissioning baseline' : 'condition survey'}`,
          description:
            kind === 'baseline'
              ? 'Reference recording after commissioning: drivetrain accelerometers at 5 120 Hz, SCADA at 1 Hz.'
              : 'Condition-monitoring survey: drivetrain accelerometers at 5 120 Hz, SCADA at 1 Hz.',
          start: t0,
          end,
        });
        for (const signal of [...VIBRATION_SIGNALS, ...SLOW_SIGNALS]) {
          const vibration = (VIBRATION_SIGNALS as readonly string[]).includes(signal);
          const length = vibration ? vibrationLength : slowLength;
          plan.signals.push({
            id: `signal/${slug}/${signal}`,
            name: signal,
            datasetId,
            length,
            spec: {
              datasetId,
              name: signal,
              dtype: 'float32',
              t0,
              sampleRate: vibration ? VIBRATION_RATE : SLOW_RATE,
              // 1 Hz channels in 2^14-sample chunks (4.5 h, 64 KiB): the default 2^18 would
              // pad a short recording's only chunk to 1 MiB.
              ...(vibration ? {} : { chunkLength: SLOW_CHUNK_LENGTH }),
              unit: UNITS[signal],
            },
          });
          plan.totalSamples += length;
        }
        plan.annotations.push(
          ...annotationsOf(slug, datasetId, startMs, duration, faults, dropouts, kind),
        );
      }
    }
  }
  return plan;
}

function annotationsOf(
  slug: string,
  datasetId: string,
  startMs: number,
  duration: number,
  faults: readonly DemoFault[],
  dropouts: readonly DemoDropout[],
  kind: RecordingKind,
): DemoAnnotation[] {
  const at = (seconds: number): string => iso(startMs + seconds * 1000);
  const out: DemoAnnotation[] = [];
  const note = (label: string, from: number, to: number, severity: number, text: string): void => {
    out.push({
      id: `annotation/${slug}/${label}`,
      type: 'annotation',
      datasetId,
      start: at(from),
      end: at(to),
      label,
      severity,
      text,
      author: 'demo-generator',
    });
  };
  if (kind === 'baseline') {
    note('normal', 0, duration, 0, 'Healthy drivetrain: reference for the condition survey.');
  }
  for (const fault of faults) {
    if (fault.kind === 'bearing-outer-race') {
      const severe = fault.magnitude >= 0.7;
      note(
        fault.kind,
        fault.onsetS,
        duration,
        severe ? 3 : 1,
        severe
          ? 'Generator drive-end bearing: outer-race defect. Impacts at BPFO with shaft-speed sidebands in the drive-end envelope spectrum; bearing temperature rising.'
          : 'Generator drive-end bearing: incipient outer-race defect, faint impacts at BPFO.',
      );
    } else {
      note(
        fault.kind,
        fault.onsetS,
        duration,
        2,
        'Rotor imbalance: once-per-revolution (1P) vibration growing about sixfold.',
      );
    }
  }
  for (const dropout of dropouts) {
    note(
      'sensor-dropout',
      dropout.startS,
      dropout.endS,
      1,
      `${dropout.signal} sensor dropout: no readings (NaN).`,
    );
  }
  return out;
}

/** The plan's signal, or a RangeError naming what exists. */
export function demoSignal(plan: DemoPlan, datasetId: string, name: string): DemoSignal {
  const found = plan.signals.find(
    (signal) => signal.datasetId === datasetId && signal.name === name,
  );
  if (found === undefined) {
    throw new RangeError(`The demo has no signal "${name}" in dataset "${datasetId}"`);
  }
  return found;
}
