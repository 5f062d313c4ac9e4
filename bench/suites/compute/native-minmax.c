// The machine's ceiling for the compute benchmark's minmax rows: windowed min+max over 1 GiB
// of float32 in a plain C loop, compiled by the benchmark with gcc -O3 -march=native. A small
// server: reads commands on stdin, answers one line each, so its rounds interleave with the
// browser's. `v < m ? v : m` ignores NaN exactly as Fieldlake's kernels do (and vectorises to
// minps/maxps, whose NaN rule is the same).
//   fill SEED  -> fills with pseudo-random floats in [-1, 1); answers "ok"
//   nan EVERY  -> sets every EVERY-th sample to NaN; answers "ok"
//   run W P    -> P passes of windowed min+max with window W; answers the ms of one pass
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void minmax(const float *x, size_t n, size_t w, float *mins, float *maxs) {
  for (size_t k = 0; k < n / w; k++) {
    const float *p = x + k * w;
    float mn = INFINITY, mx = -INFINITY;
    for (size_t j = 0; j < w; j++) {
      float v = p[j];
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
    }
    mins[k] = mn;
    maxs[k] = mx;
  }
}

int main(int argc, char **argv) {
  size_t n = (size_t)strtoull(argc > 1 ? argv[1] : "268435456", NULL, 10);
  float *x = aligned_alloc(64, n * sizeof(float));
  float *mins = malloc(n * sizeof(float));
  float *maxs = malloc(n * sizeof(float));
  if (!x || !mins || !maxs) return 1;
  char line[128];
  volatile float sink = 0;
  while (fgets(line, sizeof line, stdin)) {
    unsigned long long a = 0, b = 0;
    if (sscanf(line, "fill %llu", &a) == 1) {
      uint32_t s = (uint32_t)a | 1;
      for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        x[i] = (float)(s / 2147483648.0 - 1.0);
      }
      puts("ok");
    } else if (sscanf(line, "nan %llu", &a) == 1) {
      for (size_t i = 0; i < n; i += a) x[i] = NAN;
      puts("ok");
    } else if (sscanf(line, "run %llu %llu", &a, &b) == 2) {
      double t0 = now_ms();
      for (unsigned long long p = 0; p < b; p++) {
        minmax(x, n, a, mins, maxs);
        sink += mins[p % (n / a)];
      }
      printf("%.4f\n", (now_ms() - t0) / b);
    } else {
      puts("error");
    }
    fflush(stdout);
  }
  return sink == 12345 ? 1 : 0;
}
