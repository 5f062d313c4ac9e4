// The layer rule on real file names: what each layer may and may not import.
import path from 'node:path';
import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import rule from './import-boundaries.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const root = path.resolve(import.meta.dirname, '..');
const at = (file: string) => path.join(root, file);
const tester = new RuleTester({ languageOptions: { ecmaVersion: 2024, sourceType: 'module' } });

tester.run('import-boundaries', rule, {
  valid: [
    { filename: at('src/shared/query/parse.ts'), code: "import { x } from './lexer.ts';" },
    { filename: at('src/algorithms/fft/fft.ts'), code: "import { w } from '../windows/hann.ts';" },
    {
      filename: at('src/jio/storages/memory.ts'),
      code: "import { q } from '../../shared/query/parse.ts';",
    },
    {
      filename: at('src/workers/pool.ts'),
      code: "import { fft } from '../algorithms/fft/fft.ts'; import * as C from 'comlink';",
    },
    {
      filename: at('src/gadgets/chart/chart.gadget.ts'),
      code: "import { pool } from '../../workers/pool.ts';",
    },
    { filename: at('src/main.ts'), code: "import { a } from './gadgets/app-registry.ts';" },
    {
      filename: at('server/app.ts'),
      code: "import { API_VERSION } from '../src/shared/wire/api.ts'; import fs from 'node:fs';",
    },
    {
      filename: at('server/signals/level1.ts'),
      code: "import { k } from '../../src/algorithms/windowed/wasm/level1.ts';",
    },
    { filename: at('e2e/shell.spec.ts'), code: "import { x } from '../server/app.ts';" },
  ],
  invalid: [
    { filename: at('src/shared/x.ts'), code: "import { s } from '../jio/types.ts';", errors: 1 },
    {
      filename: at('src/shared/x.ts'),
      code: "import { readFile } from 'node:fs/promises';",
      errors: 1,
    },
    { filename: at('src/shared/x.ts'), code: "import path from 'path';", errors: 1 },
    {
      filename: at('src/algorithms/max/max.ts'),
      code: "import { c } from '../../shared/codec.ts';",
      errors: 1,
    },
    {
      filename: at('src/algorithms/max/max.ts'),
      code: "export * from '../../jio/types.ts';",
      errors: 1,
    },
    {
      filename: at('src/jio/lake.ts'),
      code: "import { g } from '../gadgets/runtime/index.ts';",
      errors: 1,
    },
    {
      filename: at('src/gadgets/app/app.gadget.ts'),
      code: "import { s } from '../../../server/app.ts';",
      errors: 1,
    },
    { filename: at('src/main.ts'), code: "const m = import('../server/cli.ts');", errors: 1 },
    { filename: at('server/app.ts'), code: "import { j } from '../src/jio/types.ts';", errors: 1 },
    {
      filename: at('server/app.ts'),
      code: "export { g } from '../src/gadgets/runtime/index.ts';",
      errors: 1,
    },
  ],
});
