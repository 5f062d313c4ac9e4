// Samples of the demo's signals, any range on its own (seekable): a worker can make chunk i
// without chunks 0…i−1, and the same range always comes out bit-identical.
//
// The 1 Hz SCADA channels (wind → rotor speed → power, bearing temperature) are short (one
// sample a second) and follow slow dynamics, so each recording's are simulated once, in order,
// and memoised per plan. The accelerometers are made in aligned blocks of 4 096 samples; a
// block depends only on its index:
//   - the rotor angle is the integral of the 1 Hz rotor speed (exact at every block boundary,
//     linear within a block); every tone runs a sine recurrence from its exact phase at the
//     block's start: 1P (imbalance) and 3P (blade pass), generator speed (1× and 2×), the gear
//     mesh (1× and 2×, amplitude-modulated by the generator shaft);
//   - noise is a hash of (seed, signal, sample index); a structural resonance is that noise
//     through a two-pole resonator, run from zero over the 256 samples before the block, long
//     enough for its start to be forgotten (r^256 < 1e−6);
//   - a bearing outer-race defect adds an impact each time rotor angle × gear ratio × BPFO
//     crosses a whole number, ringing a housing resonance (1.9 kHz), scaled by the fault's
//     severity and the load, modulated by the shaft (sidebands at ±1×).
// Amplitudes (in g) grow with the load; temperature follows load and bearing damage.
import { allocate } from '../chunk/index.ts';
import {
  type DemoFault,
  type DemoPlan,
  type DemoRecording,
  type DemoSignal,
  type DemoTurbine,
  SLOW_RATE,
  VIBRATION_RATE,
  type VibrationSignal,
  demoSignal,
} from './plan.ts';
import { BYTE_SUM_SD, blockKey, normalAt, streamKey, uniformAt } from './random.ts';

/** Samples per accelerometer block (divides 2^32, so a block never straddles a hash key). */
export const BLOCK = 4096;
/** Resonator warm-up before each block: the slowest resonator forgets its start (r^256 < 1e−6). */
const WARM_UP = 256;
/** Where blocks cut by a range's ends are made (one per module: generation is synchronous). */
const scratch = new Float32Array(BLOCK);

interface ChannelModel {
  /** Tone amplitudes (g) at full load: 1P, 3P, generator 1× and 2×, gear mesh 1× and 2×. */
  p1: number;
  p3: number;
  gen1: number;
  gen2: number;
  gmf: number;
  gmf2: number;
  /** Modulation depth of the gear mesh by the generator shaft. */
  am: number;
  resonanceHz: number;
  resonanceZeta: number;
  /** RMS (g) of the noise-driven structural resonance at full load. */
  resonanceRms: number;
  /** Sensor noise floor (g RMS), load-independent. */
  noise: number;
  /** Share of the drive-end bearing's impacts this accelerometer picks up. */
  bearing: number;
}

const CHANNELS: Record<VibrationSignal, ChannelModel> = {
  'drive-end-accel': {
    p1: 0.012,
    p3: 0.02,
    gen1: 0.1,
    gen2: 0.035,
    gmf: 0.08,
    gmf2: 0.02,
    am: 0.2,
    resonanceHz: 1480,
    resonanceZeta: 0.03,
    resonanceRms: 0.08,
    noise: 0.05,
    bearing: 1,
  },
  'non-drive-end-accel': {
    p1: 0.008,
    p3: 0.015,
    gen1: 0.12,
    gen2: 0.05,
    gmf: 0.04,
    gmf2: 0.01,
    am: 0.2,
    resonanceHz: 1720,
    resonanceZeta: 0.03,
    resonanceRms: 0.07,
    noise: 0.05,
    bearing: 0.25,
  },
  'gearbox-accel': {
    p1: 0.015,
    p3: 0.03,
    gen1: 0.05,
    gen2: 0.02,
    gmf: 0.45,
    gmf2: 0.15,
    am: 0.3,
    resonanceHz: 2050,
    resonanceZeta: 0.025,
    resonanceRms: 0.12,
    noise: 0.08,
    bearing: 0.06,
  },
};

/** Peak acceleration (g) of one outer-race impact at full severity and full load. */
const IMPACT_G = 3;
const HOUSING_HZ = 1900;
const HOUSING_ZETA = 0.05;
/** 1P grows to (1 + this) times its healthy amplitude at full imbalance. */
const IMBALANCE_GROWTH = 5;
/** Bearing temperature rise (°C) at full load, and from a fully developed bearing defect. */
const LOAD_HEATING_C = 22;
const DEFECT_HEATING_C = 14;

/** One recording's SCADA channels, simulated once at 1 Hz (knots k = 0, 1, 2, … seconds). */
interface Slow {
  rpm: Float64Array;
  /** Rotor angle in revolutions at each knot (the integral of rpm / 60, linear in between). */
  angle: Float64Array;
  /** Power as a fraction of rated, −0.004 when idling (the turbine's own consumption). */
  load: Float64Array;
  temperature: Float64Array;
}

interface Context {
  plan: DemoPlan;
  recording: DemoRecording;
  turbine: DemoTurbine;
  slow: Slow;
}

const contexts = new WeakMap<DemoPlan, Map<string, Context>>();

function contextOf(plan: DemoPlan, datasetId: string): Context {
  let byDataset = contexts.get(plan);
  if (byDataset === undefined) {
    byDataset = new Map();
    contexts.set(plan, byDataset);
  }
  const known = byDataset.get(datasetId);
  if (known !== undefined) return known;
  const recording = plan.recordings.find((candidate) => candidate.datasetId === datasetId);
  const turbine = plan.assets.find((asset) => asset.id === recording?.assetId);
  if (recording === undefined || turbine === undefined) {
    throw new RangeError(`The demo has no dataset "${datasetId}"`);
  }
  const context = { plan, recording, turbine, slow: simulateSlow(plan.seed, recording, turbine) };
  byDataset.set(datasetId, context);
  return context;
}

function severityAt(faults: readonly DemoFault[], kind: DemoFault['kind'], t: number): number {
  let severity = 0;
  for (const fault of faults) {
    if (fault.kind !== kind || t < fault.onsetS) continue;
    const ramp = fault.fullS > fault.onsetS ? (t - fault.onsetS) / (fault.fullS - fault.onsetS) : 1;
    severity += fault.magnitude * Math.min(1, ramp);
  }
  return severity;
}

function knotsNeeded(recording: DemoRecording): number {
  const blocks = Math.ceil(recording.vibrationLength / BLOCK);
  return Math.max(recording.slowLength, Math.ceil((blocks * BLOCK) / VIBRATION_RATE)) + 2;
}

function simulateSlow(seed: number, recording: DemoRecording, turbine: DemoTurbine): Slow {
  const knots = knotsNeeded(recording);
  const key = (name: string): number => streamKey(seed, recording.datasetId, name);
  const gust = key('wind');
  const rpm = new Float64Array(knots);
  const angle = new Float64Array(knots);
  const load = new Float64Array(knots);
  const temperature = new Float64Array(knots);
  const t0 = Date.parse(recording.t0) / 1000;
  const { cutInMs, ratedWindMs, cutOutMs, ratedRpm, minRpm } = turbine;
  const radius = turbine.rotorDiameterM / 2;
  // Wind: an Ornstein–Uhlenbeck process (1 min memory) around a mean that drifts over 30 min.
  const windTau = 60;
  const windStep = Math.sqrt(1 - (1 - 1 / windTau) ** 2) * recording.windSd;
  const drift = uniformAt(gust, -1) * 2 * Math.PI;
  // The rotor and the power follow the wind with the rotor's inertia (6 s).
  const follow = 1 - Math.exp(-1 / 6);
  const heat = 1 - Math.exp(-1 / recording.thermalTauS);
  let wind = recording.windMean + recording.windSd * normalAt(gust, -2);
  let felt = wind;
  let speed = Number.NaN;
  let temp = Number.NaN;
  angle[0] = uniformAt(gust, -3);
  for (let k = 0; k < knots; k++) {
    const mean =
      recording.windMean + 0.6 * recording.windSd * Math.sin(drift + (2 * Math.PI * k) / 1800);
    if (k > 0) wind += (mean - wind) / windTau + windStep * normalAt(gust, k);
    wind = Math.max(0.3, wind);
    felt += (wind - felt) * follow;
    const running = felt >= cutInMs && felt <= cutOutMs;
    // Variable speed at the optimal tip-speed ratio (7.5) between the controller's limits.
    const target = running
      ? Math.min(ratedRpm, Math.max(minRpm, (7.5 * felt * 60) / (2 * Math.PI * radius)))
      : 0.6;
    speed = Number.isNaN(speed) ? target : speed + (target - speed) * follow;
    rpm[k] = speed;
    if (k > 0) {
      angle[k] = (angle[k - 1] as number) + ((rpm[k - 1] as number) + speed) / 120;
    }
    const fraction = running
      ? Math.min(1, Math.max(0, (felt ** 3 - cutInMs ** 3) / (ratedWindMs ** 3 - cutInMs ** 3)))
      : -0.004;
    load[k] = fraction;
    const hour = ((t0 + k) / 3600) % 24;
    const ambient = recording.ambientC + 1.5 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    const targetC =
      ambient +
      LOAD_HEATING_C * Math.max(0, fraction) +
      DEFECT_HEATING_C * severityAt(recording.faults, 'bearing-outer-race', k);
    temp = Number.isNaN(temp) ? targetC : temp + (targetC - temp) * heat;
    temperature[k] = temp;
  }
  return { rpm, angle, load, temperature };
}

/** Rotor angle (revolutions) at `t` seconds: rpm is linear between knots, so this is exact. */
function rotorAngle(slow: Slow, t: number): number {
  const last = slow.rpm.length - 2;
  const k = Math.min(last, Math.max(0, Math.floor(t)));
  const tau = t - k;
  const f0 = (slow.rpm[k] as number) / 60;
  const f1 = (slow.rpm[k + 1] as number) / 60;
  return (slow.angle[k] as number) + f0 * tau + ((f1 - f0) * tau * tau) / 2;
}

/** Linear interpolation of a 1 Hz series at `t` seconds. */
function at(series: Float64Array, t: number): number {
  const last = series.length - 2;
  const k = Math.min(last, Math.max(0, Math.floor(t)));
  const tau = Math.min(1, Math.max(0, t - k));
  return (series[k] as number) * (1 - tau) + (series[k + 1] as number) * tau;
}

/** Vibration amplitude with load: a quiet floor when idling, rising with power. */
function loadGain(load: number): number {
  return 0.35 + 0.65 * Math.max(0, load);
}

/** Two-pole resonator coefficients, and the input gain giving unit output variance for unit white input. */
function resonator(
  hz: number,
  zeta: number,
): { a1: number; a2: number; sin: number; unit: number } {
  const omega = (2 * Math.PI * hz) / VIBRATION_RATE;
  const r = Math.exp(-zeta * omega);
  const theta = omega * Math.sqrt(1 - zeta * zeta);
  const a1 = 2 * r * Math.cos(theta);
  const a2 = -r * r;
  // Variance of an AR(2) process y = a1·y₁ + a2·y₂ + e for unit-variance e.
  const variance = (1 - a2) / ((1 + a2) * ((1 - a2) ** 2 - a1 * a1));
  return { a1, a2, sin: Math.sin(theta), unit: 1 / Math.sqrt(variance) };
}

const HOUSING = resonator(HOUSING_HZ, HOUSING_ZETA);

/** Everything the per-sample loop needs about one block: plain numbers, no closures. */
interface BlockSetup {
  n0: number;
  /** Hash keys of the block and of the warm-up before it (another key past 2^32 boundaries). */
  mainKey: number;
  warmKey: number;
  /** Structural resonator and its noise drive. */
  a1: number;
  a2: number;
  drive: number;
  /** Load gain and 1P amplitude at the block's start, and their change per sample. */
  gain: number;
  gainStep: number;
  p1: number;
  p1Step: number;
  p3: number;
  gen1: number;
  gen2: number;
  gmf: number;
  gmf2: number;
  am: number;
  noise: number;
  /** Tones: sine at the block's start, at the sample before, and 2cos(ω); by 3 per tone. */
  tones: Float64Array;
  /** Bearing impacts: sample indices (ascending, from n0 − WARM_UP) and input amplitudes. */
  impactAt: number[];
  impactSize: number[];
}

/** Tone order: 1P, 3P, generator 1× and 2×, gear mesh 1× and 2×. */
const TONES = 6;

/**
 * Block `block` of an accelerometer channel into `target[offset…offset + BLOCK)` (past the
 * signal's end too: a block depends only on its index).
 */
function vibrationBlock(
  context: Context,
  name: VibrationSignal,
  block: number,
  target: Float32Array,
  offset: number,
): void {
  const { plan, recording, turbine, slow } = context;
  const channel = CHANNELS[name];
  const key = streamKey(plan.seed, recording.datasetId, name);
  const rate = VIBRATION_RATE;
  const n0 = block * BLOCK;
  const tStart = n0 / rate;
  const tEnd = (n0 + BLOCK) / rate;
  const p0 = rotorAngle(slow, tStart);
  const dp = (rotorAngle(slow, tEnd) - p0) / BLOCK;
  const gear = turbine.gearRatio;

  // Load and 1P gains ramp linearly across the block.
  const gain = loadGain(at(slow.load, tStart));
  const oneP = (t: number): number => {
    const ratio = at(slow.rpm, t) / turbine.ratedRpm;
    const imbalance = severityAt(recording.faults, 'imbalance', t);
    return channel.p1 * ratio * ratio * (1 + IMBALANCE_GROWTH * imbalance);
  };
  const p1 = oneP(tStart);

  // Each tone by the sine recurrence s[n+1] = 2cos(ω)·s[n] − s[n−1], started from its exact
  // phase at the block's start.
  const tones = new Float64Array(3 * TONES);
  const orders = [1, 3, gear, 2 * gear, turbine.pinionTeeth * gear, 2 * turbine.pinionTeeth * gear];
  orders.forEach((order, i) => {
    const step = 2 * Math.PI * order * dp;
    const phase = 2 * Math.PI * (order * p0 - Math.floor(order * p0));
    tones[3 * i] = Math.sin(phase);
    tones[3 * i + 1] = Math.sin(phase - step);
    tones[3 * i + 2] = 2 * Math.cos(step);
  });

  // Bearing impacts where (rotor angle × gear × BPFO) crosses a whole number, warm-up included.
  const impactAt: number[] = [];
  const impactSize: number[] = [];
  const faulty =
    channel.bearing > 0 &&
    recording.faults.some((fault) => fault.kind === 'bearing-outer-race' && fault.onsetS < tEnd);
  if (faulty) {
    const impactKey = streamKey(plan.seed, recording.datasetId, 'impacts');
    const order = turbine.generatorBearing.bpfo * gear;
    const first = n0 - WARM_UP;
    const dq = order * dp;
    const qFirst = order * (p0 - WARM_UP * dp);
    for (let cycle = Math.floor(qFirst) + 1; dq > 0; cycle++) {
      const n = first + Math.ceil((cycle - qFirst) / dq);
      if (n >= n0 + BLOCK) break;
      const t = n / rate;
      const severity = severityAt(recording.faults, 'bearing-outer-race', t);
      if (severity === 0) continue;
      const shaft = Math.sin(2 * Math.PI * gear * (p0 + (n - n0) * dp));
      const spread = 0.8 + 0.4 * uniformAt(impactKey, cycle);
      impactAt.push(n);
      impactSize.push(
        IMPACT_G *
          channel.bearing *
          severity *
          loadGain(at(slow.load, t)) *
          (1 + 0.5 * shaft) *
          spread *
          HOUSING.sin,
      );
    }
  }

  const structural = resonator(channel.resonanceHz, channel.resonanceZeta);
  synthesize(
    {
      n0,
      mainKey: blockKey(key, n0),
      warmKey: blockKey(key, n0 - 1),
      a1: structural.a1,
      a2: structural.a2,
      drive: channel.resonanceRms * structural.unit,
      gain,
      gainStep: (loadGain(at(slow.load, tEnd)) - gain) / BLOCK,
      p1,
      p1Step: (oneP(tEnd) - p1) / BLOCK,
      p3: channel.p3,
      gen1: channel.gen1,
      gen2: channel.gen2,
      gmf: channel.gmf,
      gmf2: channel.gmf2,
      am: channel.am,
      noise: channel.noise,
      tones,
      impactAt,
      impactSize,
    },
    target,
    offset,
  );
}

/**
 * The per-sample loop, kept apart from the setup: no closures in scope and the hash written
 * out, so every value stays an unboxed double or int32 (a helper returning a uint32, or a
 * captured variable, costs a heap number per sample).
 */
function synthesize(setup: BlockSetup, target: Float32Array, offset: number): void {
  const { n0, mainKey, warmKey, a1, a2, drive, gainStep, p1Step } = setup;
  const { p3, gen1, gen2, gmf, gmf2, am, noise, tones, impactAt, impactSize } = setup;
  const invSd = 1 / BYTE_SUM_SD;
  const b1 = HOUSING.a1;
  const b2 = HOUSING.a2;
  let y1 = 0;
  let y2 = 0;
  let z1 = 0;
  let z2 = 0;
  let impact = 0;
  let nextImpact = impactAt.length > 0 ? (impactAt[0] as number) : Infinity;
  for (let n = n0 - WARM_UP; n < n0; n++) {
    let h = Math.imul(n >>> 0, 0x9e3779b1) ^ warmKey;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    const e = ((h & 255) + ((h >>> 8) & 255) - ((h >>> 16) & 255) - (h >>> 24)) * invSd;
    const y = a1 * y1 + a2 * y2 + drive * e;
    y2 = y1;
    y1 = y;
    let x = 0;
    if (n === nextImpact) {
      x = impactSize[impact] as number;
      impact++;
      nextImpact = impact < impactAt.length ? (impactAt[impact] as number) : Infinity;
    }
    const z = b1 * z1 + b2 * z2 + x;
    z2 = z1;
    z1 = z;
  }
  let s1 = tones[0] as number;
  let s1Before = tones[1] as number;
  const k1 = tones[2] as number;
  let s3 = tones[3] as number;
  let s3Before = tones[4] as number;
  const k3 = tones[5] as number;
  let sg = tones[6] as number;
  let sgBefore = tones[7] as number;
  const kg = tones[8] as number;
  let sg2 = tones[9] as number;
  let sg2Before = tones[10] as number;
  const kg2 = tones[11] as number;
  let sm = tones[12] as number;
  let smBefore = tones[13] as number;
  const km = tones[14] as number;
  let sm2 = tones[15] as number;
  let sm2Before = tones[16] as number;
  const km2 = tones[17] as number;
  let gain = setup.gain;
  let p1 = setup.p1;
  for (let i = 0; i < BLOCK; i++) {
    const n = n0 + i;
    let h = Math.imul(n >>> 0, 0x9e3779b1) ^ mainKey;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
    const c0 = h & 255;
    const c1 = (h >>> 8) & 255;
    const c2 = (h >>> 16) & 255;
    const c3 = h >>> 24;
    const e1 = (c0 + c1 - c2 - c3) * invSd;
    const e2 = (c0 - c1 + c2 - c3) * invSd;
    const y = a1 * y1 + a2 * y2 + drive * e1;
    y2 = y1;
    y1 = y;
    let x = 0;
    if (n === nextImpact) {
      x = impactSize[impact] as number;
      impact++;
      nextImpact = impact < impactAt.length ? (impactAt[impact] as number) : Infinity;
    }
    const z = b1 * z1 + b2 * z2 + x;
    z2 = z1;
    z1 = z;
    const harmonics = p3 * s3 + gen1 * sg + gen2 * sg2 + (gmf * sm + gmf2 * sm2) * (1 + am * sg);
    target[offset + i] = gain * (harmonics + y) + p1 * s1 + z + noise * e2;
    gain += gainStep;
    p1 += p1Step;
    let t = k1 * s1 - s1Before;
    s1Before = s1;
    s1 = t;
    t = k3 * s3 - s3Before;
    s3Before = s3;
    s3 = t;
    t = kg * sg - sgBefore;
    sgBefore = sg;
    sg = t;
    t = kg2 * sg2 - sg2Before;
    sg2Before = sg2;
    sg2 = t;
    t = km * sm - smBefore;
    smBefore = sm;
    sm = t;
    t = km2 * sm2 - sm2Before;
    sm2Before = sm2;
    sm2 = t;
  }
}

function slowSamples(
  context: Context,
  signal: DemoSignal,
  start: number,
  end: number,
): Float32Array {
  const { plan, recording, turbine, slow } = context;
  const key = streamKey(plan.seed, recording.datasetId, signal.name);
  const out = allocate('float32', end - start);
  const dropouts = recording.dropouts.filter((dropout) => dropout.signal === signal.name);
  for (let k = start; k < end; k++) {
    const t = k / SLOW_RATE;
    let value: number;
    switch (signal.name) {
      case 'temperature':
        value = (slow.temperature[k] as number) + 0.04 * normalAt(key, k);
        break;
      case 'power': {
        const load = slow.load[k] as number;
        const jitter = load > 0 ? 0.004 * normalAt(key, k) : 0;
        value = (load + jitter) * turbine.ratedPowerKw;
        break;
      }
      default:
        value = Math.max(0, (slow.rpm[k] as number) + 0.02 * normalAt(key, k));
    }
    if (dropouts.some((dropout) => t >= dropout.startS && t < dropout.endS)) value = Number.NaN;
    out[k - start] = value;
  }
  return out;
}

/**
 * Samples [start, end) of one of the demo's signals (float32, in the signal's unit). Any range
 * is computed on its own and always gives the same values: a range equals the concatenation of
 * its sub-ranges.
 */
export function demoSamples(
  plan: DemoPlan,
  datasetId: string,
  signalName: string,
  start: number,
  end: number,
): Float32Array {
  const signal = demoSignal(plan, datasetId, signalName);
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    end > signal.length
  ) {
    throw new RangeError(
      `Samples [${start}, ${end}) are outside ${signal.id} (${signal.length} samples)`,
    );
  }
  const context = contextOf(plan, datasetId);
  if (!(signal.name in CHANNELS)) return slowSamples(context, signal, start, end);
  const name = signal.name as VibrationSignal;
  const out = allocate('float32', end - start);
  for (let block = Math.floor(start / BLOCK); block * BLOCK < end; block++) {
    const first = block * BLOCK;
    if (first >= start && first + BLOCK <= end) {
      vibrationBlock(context, name, block, out, first - start);
      continue;
    }
    // A block cut by the range: made whole, then copied.
    vibrationBlock(context, name, block, scratch, 0);
    const from = Math.max(start, first);
    const to = Math.min(end, first + BLOCK);
    out.set(scratch.subarray(from - first, to - first), from - start);
  }
  return out;
}
