// One case table per algorithm, run on every backend (STYLE.md, practice 8): the cases, the
// tolerance of each backend and the reasons a backend skips a case are data here, never test
// names matched against a skip list. The runner reports a norm-wise error per case.
import { describe, expect, it } from 'vitest';
import { compareArrays, DEFAULT_TOLERANCE } from '../accuracy.ts';
import type { BackendName, FloatDtype } from '../types.ts';

export interface TableCase {
  readonly name: string;
  readonly dtype: FloatDtype;
}

/** Named outputs of one run, compared to the case's expected arrays of the same names. */
export type Outputs = Record<string, ArrayLike<number>>;

export interface BackendRow<C extends TableCase> {
  readonly backend: BackendName;
  /** Runs the case on this backend; `undefined` when the backend is missing here (skipped). */
  run(testCase: C): Promise<Outputs>;
  /** Norm-wise tolerance by dtype; the defaults when absent. */
  readonly tolerance?: Partial<Record<FloatDtype, number>>;
  /** A reason this backend does not run `testCase` (e.g. float64 on WebGPU), or undefined. */
  skip?(testCase: C): string | undefined;
}

export interface CaseTableSpec<C extends TableCase> {
  readonly algorithm: string;
  readonly cases: readonly C[];
  expected(testCase: C): Outputs;
  readonly backends: readonly BackendRow<C>[];
  /** Why the whole backend is absent here (no GPU in this runtime), or undefined. */
  unavailable?(backend: BackendName): Promise<string | undefined>;
}

export function runCaseTable<C extends TableCase>(spec: CaseTableSpec<C>): void {
  describe(`${spec.algorithm} case table`, () => {
    for (const row of spec.backends) {
      describe(row.backend, () => {
        for (const testCase of spec.cases) {
          const reason = row.skip?.(testCase);
          const title = `${testCase.name} (${testCase.dtype})`;
          if (reason !== undefined) {
            it.skip(`${title} — ${reason}`, () => undefined);
            continue;
          }
          it(title, async (context) => {
            const absent = await spec.unavailable?.(row.backend);
            if (absent !== undefined) {
              context.skip(absent);
              return;
            }
            const got = await row.run(testCase);
            const expected = spec.expected(testCase);
            const tolerance = row.tolerance?.[testCase.dtype] ?? DEFAULT_TOLERANCE[testCase.dtype];
            for (const [name, reference] of Object.entries(expected)) {
              const output = got[name];
              expect(output, `output ${name}`).toBeDefined();
              if (output === undefined) return;
              const comparison = compareArrays(output, reference);
              expect(
                comparison.lengthMatches,
                `${name}: length ${String(output.length)} vs ${String(reference.length)}`,
              ).toBe(true);
              expect(comparison.mismatchAt, `${name}: NaN/Infinity pattern`).toBe(-1);
              expect(comparison.relativeError, `${name}: ‖x − ref‖/‖ref‖`).toBeLessThanOrEqual(
                tolerance,
              );
            }
          });
        }
      });
    }
  });
}
