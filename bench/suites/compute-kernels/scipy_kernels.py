"""numpy/scipy peers of the compute benchmark's kernel rows (one line per command on stdin).

`fill N`: generates the N float32 samples of compute-fft/protocol.ts's stftSample (a uint32
hash of the index, the same arithmetic as the worker's) in numpy, chunk by chunk, and keeps
them; every row reads a prefix of them, as the worker makes the same prefix.

`run ROW SAMPLES STRIDE`: one pass of ROW over the first SAMPLES samples. Only the computation
is timed (time.perf_counter); outputs are consumed (probed) outside the timing. Prints one
line of JSON: {"seconds", "count", "probes"}, where probes holds, per output array, the outputs
at the indices 0, STRIDE, 2·STRIDE, … (welch: its whole PSD), so the Node side compares them
with the worker's.

Rows (their parameters are the worker's, kernels.worker.ts):
- mean-std: scipy.ndimage.uniform_filter1d (window 1000) of x and of x², in float64 (the
  float32 samples widened, inside the timing): mean = E[x], std = sqrt(max(E[x²] − mean², 0)),
  the windows fully inside the signal ('valid'). Running sums, O(n), not compensated.
- median-mad: sliding_window_view(x, 129), np.median of each window and np.median of
  |v − median| (the raw MAD), blocks of MEDIAN_BLOCK windows at a time so memory stays bounded.
- median-filter: scipy.ndimage.median_filter(x, 129) (median only, every position; logged).
- welch: scipy.signal.welch (Hann, nperseg 1024, noverlap 512, fs 1, density, detrend
  'constant', one-sided: scipy's defaults but the segment) in blocks: each call gets
  WELCH_BLOCK new samples plus the 512 before them, so the blocks' segments are exactly the
  whole signal's; each block's PSD (a mean over its segments) times its segment count is
  summed in float64 and divided by the total count at the end (the whole 10^8-sample array at
  once would need several GB of segment copies).
- resample: scipy.signal.resample_poly(x, 2, 3) over the whole prefix (float32 in and out).
- escalated-max: np.fmax.accumulate over x.reshape(-1, 4) along axis 0, in blocks of
  EM_BLOCK samples, each block accumulated behind the previous block's last row (carried).
"""
import json
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal

MEAN_WINDOW = 1000
MEDIAN_WINDOW = 129
MEDIAN_BLOCK = 2**14
NPERSEG = 1024
STEP = 512
WELCH_BLOCK = 2**22
CHANNELS = 4
EM_BLOCK = 2**18
x = np.empty(0, dtype=np.float32)


def samples(start, stop):
    u = np.arange(start, stop, dtype=np.uint32)
    u *= np.uint32(2654435761)
    u ^= u >> np.uint32(15)
    u *= np.uint32(2246822519)
    u ^= u >> np.uint32(13)
    return (u.astype(np.float64) / 2147483648 - 1).astype(np.float32)


def probe(values, stride):
    return [float(v) for v in values[::stride]]


def mean_std(part, stride):
    began = time.perf_counter()
    wide = part.astype(np.float64)
    first = uniform_mean(wide)
    second = uniform_mean(wide * wide)
    std = np.sqrt(np.maximum(second - first * first, 0))
    seconds = time.perf_counter() - began
    return seconds, len(first), [probe(first, stride), probe(std, stride)]


def uniform_mean(values):
    # uniform_filter1d centres the window: output w//2 + i averages values[i … i + w − 1].
    full = ndimage.uniform_filter1d(values, MEAN_WINDOW)
    start = MEAN_WINDOW // 2
    return full[start:start + len(values) - MEAN_WINDOW + 1]


def median_mad(part, stride):
    windows = sliding_window_view(part, MEDIAN_WINDOW)
    count = len(windows)
    medians = np.empty(count, dtype=np.float32)
    mads = np.empty(count, dtype=np.float32)
    began = time.perf_counter()
    for at in range(0, count, MEDIAN_BLOCK):
        block = windows[at:at + MEDIAN_BLOCK]
        med = np.median(block, axis=1)
        medians[at:at + len(block)] = med
        mads[at:at + len(block)] = np.median(np.abs(block - med[:, None]), axis=1)
    seconds = time.perf_counter() - began
    return seconds, count, [probe(medians, stride), probe(mads, stride)]


def median_filter(part, stride):
    began = time.perf_counter()
    full = ndimage.median_filter(part, MEDIAN_WINDOW)
    seconds = time.perf_counter() - began
    start = MEDIAN_WINDOW // 2
    valid = full[start:start + len(part) - MEDIAN_WINDOW + 1]
    return seconds, len(valid), [probe(valid, stride)]


def welch(part, _stride):
    seconds = 0.0
    total = np.zeros(NPERSEG // 2 + 1)
    segments = 0
    start = 0
    limit = len(part)
    while start + NPERSEG <= limit:
        block = part[start:min(limit, start + WELCH_BLOCK + NPERSEG - STEP)]
        count = (len(block) - NPERSEG) // STEP + 1
        began = time.perf_counter()
        _, psd = signal.welch(block, fs=1.0, window='hann', nperseg=NPERSEG,
                              noverlap=NPERSEG - STEP)
        total += psd.astype(np.float64) * count
        seconds += time.perf_counter() - began
        segments += count
        start += count * STEP
    return seconds, segments, [[float(v) for v in total / segments]]


def resample(part, stride):
    began = time.perf_counter()
    out = signal.resample_poly(part, 2, 3)
    seconds = time.perf_counter() - began
    return seconds, len(out), [probe(out, stride)]


def escalated_max(part, stride):
    if len(part) % CHANNELS != 0:
        raise ValueError('escalated-max: samples must be whole frames')
    rows = EM_BLOCK // CHANNELS
    buffer = np.empty((rows + 1, CHANNELS), dtype=np.float32)
    carry = np.full(CHANNELS, np.nan, dtype=np.float32)
    picked = []
    seconds = 0.0
    for at in range(0, len(part), EM_BLOCK):
        frames = part[at:at + EM_BLOCK].reshape(-1, CHANNELS)
        began = time.perf_counter()
        # Row 0 is the carried maximum: the block's running maxima continue the stream's.
        work = buffer[:len(frames) + 1]
        work[0] = carry
        work[1:] = frames
        np.fmax.accumulate(work, axis=0, out=work)
        carry = work[-1].copy()
        seconds += time.perf_counter() - began
        flat = work[1:].reshape(-1)
        first = (-at) % stride
        picked.append(flat[first::stride].astype(np.float64))
    values = np.concatenate(picked) if picked else np.empty(0)
    return seconds, len(part), [[float(v) for v in values]]


ROWS = {
    'mean-std': mean_std,
    'median-mad': median_mad,
    'median-filter': median_filter,
    'welch': welch,
    'resample': resample,
    'escalated-max': escalated_max,
}

for line in sys.stdin:
    words = line.split()
    try:
        if words[:1] == ['fill'] and len(words) == 2:
            n = int(words[1])
            x = np.empty(n, dtype=np.float32)
            for at in range(0, n, 2**22):
                x[at:min(n, at + 2**22)] = samples(at, min(n, at + 2**22))
            print('ok', flush=True)
        elif words[:1] == ['run'] and len(words) == 4 and words[1] in ROWS:
            count = int(words[2])
            stride = int(words[3])
            if count > len(x) or stride < 1:
                raise ValueError(f'run {count} of {len(x)} samples, stride {stride}')
            seconds, outputs, probes = ROWS[words[1]](x[:count], stride)
            print(json.dumps({'seconds': seconds, 'count': outputs, 'probes': probes}),
                  flush=True)
        else:
            print('error', flush=True)
    except Exception as error:  # the Node side sees 'error' and stderr holds the reason
        print(f'{words}: {error!r}', file=sys.stderr, flush=True)
        print('error', flush=True)
