// Public API of the gadget runtime: renderJS semantics (declared methods, acquisition,
// services, jobs, events, changeState/onStateChange, children in markup and from code), typed,
// on native promises and AbortSignal, with failures contained to the gadget that failed.
export { html, safe, type Template, type TemplateValue } from './template.ts';
export { createGadgetRegistry, type GadgetRegistry, type MountOptions } from './registry.ts';
export {
  defineGadget,
  type DeclareOptions,
  type EventBinding,
  type GadgetEvents,
  type GadgetHandle,
  type GadgetMethods,
  type GadgetProviders,
  type GadgetRef,
  type GadgetService,
  type GadgetSpec,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type UntypedGadget,
} from './gadget.ts';
export {
  AcquisitionError,
  type Acquirable,
  type AcquirableArgs,
  type AcquirableName,
  type AcquirableResult,
  type RootProviders,
} from './acquisition.ts';
export type { GadgetErrorDetail } from './errors.ts';
