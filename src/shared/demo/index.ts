// A deterministic, seekable generator of realistic wind-turbine data for demos, tests and
// benchmarks. See README.md in this folder.
export {
  DEFAULT_DEMO_SCALE,
  DEFAULT_DEMO_SEED,
  SLOW_RATE,
  SLOW_SIGNALS,
  VIBRATION_RATE,
  VIBRATION_SIGNALS,
  demoPlan,
  demoSignal,
} from './plan.ts';
export type {
  BearingOrders,
  DemoAnnotation,
  DemoAsset,
  DemoDataset,
  DemoDropout,
  DemoFault,
  DemoFaultKind,
  DemoOptions,
  DemoPlan,
  DemoRecording,
  DemoSignal,
  DemoSignalName,
  DemoSite,
  DemoTurbine,
  SlowSignal,
  VibrationSignal,
} from './plan.ts';
export { BLOCK as DEMO_BLOCK, demoSamples } from './samples.ts';
