"""scipy.signal.stft peer of the compute benchmark's stft row (one line per command on stdin).

`fill N`: generates the N float32 samples of protocol.ts's stftSample (a uint32 hash of the
index, the same arithmetic as the worker's) in numpy, chunk by chunk, and keeps them.
`run BLOCK [LIMIT]`: one STFT pass over them (or over the first LIMIT) — Hann, nperseg 1024, noverlap 512, fs 1, one-sided,
boundary=None, padded=False (Fieldlake's streaming defaults; detrend off and 'spectrum'
scaling, scipy's defaults) — in blocks: scipy's stft is not streaming, so each call gets BLOCK
new samples plus the 512 before them (block = a multiple of the step; the frames of the
blocks are exactly the frames of the whole signal). Each block's output is consumed (its power
summed in float64) and dropped. Prints `seconds checksum frames`; only the stft calls and the
sums are timed (time.perf_counter).
"""
import sys
import time

import numpy as np
from scipy import signal

NPERSEG = 1024
STEP = 512
x = np.empty(0, dtype=np.float32)


def samples(start, stop):
    u = np.arange(start, stop, dtype=np.uint32)
    u *= np.uint32(2654435761)
    u ^= u >> np.uint32(15)
    u *= np.uint32(2246822519)
    u ^= u >> np.uint32(13)
    return (u.astype(np.float64) / 2147483648 - 1).astype(np.float32)


def run(block, limit):
    seconds = 0.0
    checksum = 0.0
    frames = 0
    start = 0
    while start + NPERSEG <= limit:
        part = x[start:min(limit, start + block + NPERSEG - STEP)]
        began = time.perf_counter()
        _, _, z = signal.stft(part, fs=1.0, window='hann', nperseg=NPERSEG,
                              noverlap=NPERSEG - STEP, boundary=None, padded=False)
        # z is (bins, frames) over a frames-major buffer: z.T is contiguous, viewed as floats.
        flat = z.T.reshape(-1).view(np.float32)
        checksum += float(np.einsum('i,i->', flat, flat, dtype=np.float64))
        seconds += time.perf_counter() - began
        frames += z.shape[1]
        start += z.shape[1] * STEP
    return seconds, checksum, frames


for line in sys.stdin:
    words = line.split()
    if words[:1] == ['fill']:
        n = int(words[1])
        x = np.empty(n, dtype=np.float32)
        for at in range(0, n, 2**22):
            x[at:min(n, at + 2**22)] = samples(at, min(n, at + 2**22))
        print('ok', flush=True)
    elif words[:1] == ['run']:
        block = int(words[1])
        limit = min(len(x), int(words[2])) if len(words) > 2 else len(x)
        if block % STEP != 0:
            print('error', flush=True)
            continue
        seconds, checksum, frames = run(block, limit)
        print(f'{seconds:.6f} {checksum!r} {frames}', flush=True)
    else:
        print('error', flush=True)
