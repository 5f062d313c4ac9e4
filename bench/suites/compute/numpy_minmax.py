"""numpy's windowed min+max for the compute benchmark (x.reshape(-1, w).min(1) and .max(1),
two passes: numpy has no fused min+max). Same stdin protocol as native-minmax.c."""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2**28
x = np.empty(n, dtype=np.float32)
for line in sys.stdin:
    words = line.split()
    if words[:1] == ['fill']:
        rng = np.random.default_rng(int(words[1]))
        for at in range(0, n, 2**24):
            x[at:at + 2**24] = rng.random(min(2**24, n - at), dtype=np.float32) * 2 - 1
        print('ok', flush=True)
    elif words[:1] == ['nan']:
        x[::int(words[1])] = np.nan
        print('ok', flush=True)
    elif words[:1] == ['run']:
        w, passes = int(words[1]), int(words[2])
        t0 = time.perf_counter()
        for _ in range(passes):
            v = x.reshape(-1, w)
            # fmin/fmax reductions ignore NaN as Fieldlake's kernels do (min/max would propagate).
            np.fmin.reduce(v, axis=1)
            np.fmax.reduce(v, axis=1)
        print(f'{(time.perf_counter() - t0) * 1e3 / passes:.4f}', flush=True)
    else:
        print('error', flush=True)
