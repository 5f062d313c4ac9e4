// The WebGPU FFT kernel's own tests (batches, splits under small limits, no adapter, the NaN
// rule, bad input) again in Chromium on navigator.gpu; the case table's webgpu row comes here
// through case-tables.browser.test.ts.
import './kernel.test.ts';
