;; Windowed statistics in WebAssembly SIMD128: consecutive whole windows of float32 (f32x4) or
;; float64 (f64x2) samples, each reduced to min and max (`minmax_*`, the pyramid's and the
;; decimation's need, and the `minmax/w1024` benchmark) or to min, max, mean and finite count
;; (`stats_*`), by the rule of ../reference.ts:
;;   NaN is ignored; ±Infinity reaches min and max but not the sum or the count; a window of
;;   only NaN gives min = max = mean = NaN, count 0; no finite sample gives mean NaN; −0 is
;;   written as 0.
;;
;; Why one path serves NaN-free and NaN-holding input alike: `pmin(a, b)` is defined as
;; `b < a ? b : a` and `pmax(a, b)` as `a < b ? b : a` (the spec's pseudo-minimum), so with the
;; running accumulator as `a` and the sample as `b` a NaN sample compares false and leaves the
;; accumulator as it was — exactly the reference's `if (value < min) min = value`. The
;; accumulators start at ±Infinity and never hold NaN, so combining them with pmin/pmax is safe
;; too. The IEEE `f32x4.min/max` (NaN-propagating, 2.3–2.6× slower, ENVIRONMENT.md) is never
;; needed, nor the masking a NaN-propagating minimum would need.
;;
;; Sums are float64 for both dtypes (float32 lanes are promoted before adding), over several
;; lane accumulators, so a mean may differ from the reference's sequential sum in the last bits;
;; min, max and count are exact. Non-finite samples are zeroed by the mask `v − v == 0` (true
;; only for finite values) before they are added and counted.
;;
;; Calling convention: byte addresses into the imported memory; `n` windows of `w` samples at
;; `src`, outputs one entry per window: min/max/mean in the input's dtype, count as float64.
;; Addresses are unsigned (memories up to 4 GiB); the caller checks they are in bounds and
;; aligned. The memory is imported so that workers can share one (`shared` here; build.mjs
;; derives the variant for an ordinary memory from this text).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ---------------------------------------------------------------------------------------
  ;; Window output: min > max means no sample other than NaN (the accumulators kept their
  ;; ±Infinity start); `+ 0` turns −0 into 0.

  (func $emit_minmax_f32 (param $lo f32) (param $hi f32) (param $omin i32) (param $omax i32)
    (if (f32.gt (local.get $lo) (local.get $hi))
      (then
        (local.set $lo (f32.const nan))
        (local.set $hi (f32.const nan))))
    (f32.store (local.get $omin) (f32.add (local.get $lo) (f32.const 0)))
    (f32.store (local.get $omax) (f32.add (local.get $hi) (f32.const 0))))

  (func $emit_minmax_f64 (param $lo f64) (param $hi f64) (param $omin i32) (param $omax i32)
    (if (f64.gt (local.get $lo) (local.get $hi))
      (then
        (local.set $lo (f64.const nan))
        (local.set $hi (f64.const nan))))
    (f64.store (local.get $omin) (f64.add (local.get $lo) (f64.const 0)))
    (f64.store (local.get $omax) (f64.add (local.get $hi) (f64.const 0))))

  ;; The mean as the reference computes it (sum / count + 0 in float64), NaN without a count.
  (func $mean (param $sum f64) (param $count f64) (result f64)
    (if (result f64) (f64.eq (local.get $count) (f64.const 0))
      (then (f64.const nan))
      (else (f64.add (f64.div (local.get $sum) (local.get $count)) (f64.const 0)))))

  ;; Lane reductions; lanes never hold NaN (see the header), so plain comparisons do.
  (func $hmin_f32 (param $v v128) (result f32)
    (local.set $v (f32x4.pmin (local.get $v)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (f32x4.pmin (local.get $v)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (f32x4.extract_lane 0 (local.get $v)))

  (func $hmax_f32 (param $v v128) (result f32)
    (local.set $v (f32x4.pmax (local.get $v)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (local.set $v (f32x4.pmax (local.get $v)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $v) (local.get $v))))
    (f32x4.extract_lane 0 (local.get $v)))

  (func $hmin_f64 (param $v v128) (result f64)
    (f64x2.extract_lane 0 (f64x2.pmin (local.get $v)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))

  (func $hmax_f64 (param $v v128) (result f64)
    (f64x2.extract_lane 0 (f64x2.pmax (local.get $v)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))

  ;; ---------------------------------------------------------------------------------------
  ;; float32 min/max: 16 samples a step into four accumulator pairs (independent chains, so the
  ;; loads, not the pmin latency, bound the loop), then 4 a step, then a scalar tail — windows
  ;; of any size, 1 to 3 included, and windows that do not start 16-byte aligned.

  (func (export "minmax_f32")
    (param $src i32) (param $n i32) (param $w i32) (param $omin i32) (param $omax i32)
    (local $end i32) (local $v v128) (local $x f32) (local $lo f32) (local $hi f32)
    (local $mn0 v128) (local $mn1 v128) (local $mn2 v128) (local $mn3 v128)
    (local $mx0 v128) (local $mx1 v128) (local $mx2 v128) (local $mx3 v128)
    (block $done
      (loop $window
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $mn0 (v128.const f32x4 inf inf inf inf))
        (local.set $mn1 (local.get $mn0))
        (local.set $mn2 (local.get $mn0))
        (local.set $mn3 (local.get $mn0))
        (local.set $mx0 (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $mx1 (local.get $mx0))
        (local.set $mx2 (local.get $mx0))
        (local.set $mx3 (local.get $mx0))
        (block $out16
          (loop $step16
            (br_if $out16 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 64)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f32x4.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f32x4.pmax (local.get $mx0) (local.get $v)))
            (local.set $v (v128.load offset=16 (local.get $src)))
            (local.set $mn1 (f32x4.pmin (local.get $mn1) (local.get $v)))
            (local.set $mx1 (f32x4.pmax (local.get $mx1) (local.get $v)))
            (local.set $v (v128.load offset=32 (local.get $src)))
            (local.set $mn2 (f32x4.pmin (local.get $mn2) (local.get $v)))
            (local.set $mx2 (f32x4.pmax (local.get $mx2) (local.get $v)))
            (local.set $v (v128.load offset=48 (local.get $src)))
            (local.set $mn3 (f32x4.pmin (local.get $mn3) (local.get $v)))
            (local.set $mx3 (f32x4.pmax (local.get $mx3) (local.get $v)))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))
            (br $step16)))
        (block $out4
          (loop $step4
            (br_if $out4 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 16)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f32x4.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f32x4.pmax (local.get $mx0) (local.get $v)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (br $step4)))
        (local.set $lo (call $hmin_f32 (f32x4.pmin
          (f32x4.pmin (local.get $mn0) (local.get $mn1))
          (f32x4.pmin (local.get $mn2) (local.get $mn3)))))
        (local.set $hi (call $hmax_f32 (f32x4.pmax
          (f32x4.pmax (local.get $mx0) (local.get $mx1))
          (f32x4.pmax (local.get $mx2) (local.get $mx3)))))
        (block $out1
          (loop $step1
            (br_if $out1 (i32.eq (local.get $src) (local.get $end)))
            (local.set $x (f32.load (local.get $src)))
            (if (f32.lt (local.get $x) (local.get $lo)) (then (local.set $lo (local.get $x))))
            (if (f32.gt (local.get $x) (local.get $hi)) (then (local.set $hi (local.get $x))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (br $step1)))
        (call $emit_minmax_f32 (local.get $lo) (local.get $hi) (local.get $omin) (local.get $omax))
        (local.set $omin (i32.add (local.get $omin) (i32.const 4)))
        (local.set $omax (i32.add (local.get $omax) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $window))))

  ;; float32 min, max, mean and count. Per 4 samples: pmin/pmax; the finite mask; the count
  ;; (a true lane is −1, so subtracting the mask counts); the masked samples promoted to two
  ;; f64x2 and added. Two vectors a step, each into its own pair of sum accumulators.

  (func (export "stats_f32")
    (param $src i32) (param $n i32) (param $w i32)
    (param $omin i32) (param $omax i32) (param $omean i32) (param $ocount i32)
    (local $end i32) (local $v v128) (local $f v128) (local $x f32) (local $lo f32)
    (local $hi f32) (local $sum f64) (local $count f64) (local $c v128)
    (local $mn0 v128) (local $mn1 v128) (local $mx0 v128) (local $mx1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $done
      (loop $window
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $mn0 (v128.const f32x4 inf inf inf inf))
        (local.set $mn1 (local.get $mn0))
        (local.set $mx0 (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $mx1 (local.get $mx0))
        (local.set $c (v128.const i32x4 0 0 0 0))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $s1 (local.get $s0))
        (local.set $s2 (local.get $s0))
        (local.set $s3 (local.get $s0))
        (block $out8
          (loop $step8
            (br_if $out8 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 32)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f32x4.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f32x4.pmax (local.get $mx0) (local.get $v)))
            (local.set $f (f32x4.eq (f32x4.sub (local.get $v) (local.get $v))
              (v128.const f32x4 0 0 0 0)))
            (local.set $c (i32x4.sub (local.get $c) (local.get $f)))
            (local.set $v (v128.and (local.get $v) (local.get $f)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $v (v128.load offset=16 (local.get $src)))
            (local.set $mn1 (f32x4.pmin (local.get $mn1) (local.get $v)))
            (local.set $mx1 (f32x4.pmax (local.get $mx1) (local.get $v)))
            (local.set $f (f32x4.eq (f32x4.sub (local.get $v) (local.get $v))
              (v128.const f32x4 0 0 0 0)))
            (local.set $c (i32x4.sub (local.get $c) (local.get $f)))
            (local.set $v (v128.and (local.get $v) (local.get $f)))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $src (i32.add (local.get $src) (i32.const 32)))
            (br $step8)))
        (block $out4
          (loop $step4
            (br_if $out4 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 16)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f32x4.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f32x4.pmax (local.get $mx0) (local.get $v)))
            (local.set $f (f32x4.eq (f32x4.sub (local.get $v) (local.get $v))
              (v128.const f32x4 0 0 0 0)))
            (local.set $c (i32x4.sub (local.get $c) (local.get $f)))
            (local.set $v (v128.and (local.get $v) (local.get $f)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.promote_low_f32x4 (local.get $v))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (br $step4)))
        (local.set $lo (call $hmin_f32 (f32x4.pmin (local.get $mn0) (local.get $mn1))))
        (local.set $hi (call $hmax_f32 (f32x4.pmax (local.get $mx0) (local.get $mx1))))
        (local.set $s0 (f64x2.add
          (f64x2.add (local.get $s0) (local.get $s1))
          (f64x2.add (local.get $s2) (local.get $s3))))
        (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $s0))
          (f64x2.extract_lane 1 (local.get $s0))))
        ;; A lane counts at most w / 4 < 2^30 samples and the four at most w ≤ 2^31: no wrap.
        (local.set $count (f64.convert_i32_u (i32.add
          (i32.add (i32x4.extract_lane 0 (local.get $c)) (i32x4.extract_lane 1 (local.get $c)))
          (i32.add (i32x4.extract_lane 2 (local.get $c)) (i32x4.extract_lane 3 (local.get $c))))))
        (block $out1
          (loop $step1
            (br_if $out1 (i32.eq (local.get $src) (local.get $end)))
            (local.set $x (f32.load (local.get $src)))
            (if (f32.lt (local.get $x) (local.get $lo)) (then (local.set $lo (local.get $x))))
            (if (f32.gt (local.get $x) (local.get $hi)) (then (local.set $hi (local.get $x))))
            (if (f32.eq (f32.sub (local.get $x) (local.get $x)) (f32.const 0))
              (then
                (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (local.get $x))))
                (local.set $count (f64.add (local.get $count) (f64.const 1)))))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (br $step1)))
        (call $emit_minmax_f32 (local.get $lo) (local.get $hi) (local.get $omin) (local.get $omax))
        (f32.store (local.get $omean)
          (f32.demote_f64 (call $mean (local.get $sum) (local.get $count))))
        (f64.store (local.get $ocount) (local.get $count))
        (local.set $omin (i32.add (local.get $omin) (i32.const 4)))
        (local.set $omax (i32.add (local.get $omax) (i32.const 4)))
        (local.set $omean (i32.add (local.get $omean) (i32.const 4)))
        (local.set $ocount (i32.add (local.get $ocount) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $window))))

  ;; ---------------------------------------------------------------------------------------
  ;; float64: the same shapes with two lanes; 8 samples a step, then 2, then at most one.

  (func (export "minmax_f64")
    (param $src i32) (param $n i32) (param $w i32) (param $omin i32) (param $omax i32)
    (local $end i32) (local $v v128) (local $x f64) (local $lo f64) (local $hi f64)
    (local $mn0 v128) (local $mn1 v128) (local $mn2 v128) (local $mn3 v128)
    (local $mx0 v128) (local $mx1 v128) (local $mx2 v128) (local $mx3 v128)
    (block $done
      (loop $window
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $w) (i32.const 3))))
        (local.set $mn0 (v128.const f64x2 inf inf))
        (local.set $mn1 (local.get $mn0))
        (local.set $mn2 (local.get $mn0))
        (local.set $mn3 (local.get $mn0))
        (local.set $mx0 (v128.const f64x2 -inf -inf))
        (local.set $mx1 (local.get $mx0))
        (local.set $mx2 (local.get $mx0))
        (local.set $mx3 (local.get $mx0))
        (block $out8
          (loop $step8
            (br_if $out8 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 64)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f64x2.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f64x2.pmax (local.get $mx0) (local.get $v)))
            (local.set $v (v128.load offset=16 (local.get $src)))
            (local.set $mn1 (f64x2.pmin (local.get $mn1) (local.get $v)))
            (local.set $mx1 (f64x2.pmax (local.get $mx1) (local.get $v)))
            (local.set $v (v128.load offset=32 (local.get $src)))
            (local.set $mn2 (f64x2.pmin (local.get $mn2) (local.get $v)))
            (local.set $mx2 (f64x2.pmax (local.get $mx2) (local.get $v)))
            (local.set $v (v128.load offset=48 (local.get $src)))
            (local.set $mn3 (f64x2.pmin (local.get $mn3) (local.get $v)))
            (local.set $mx3 (f64x2.pmax (local.get $mx3) (local.get $v)))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))
            (br $step8)))
        (block $out2
          (loop $step2
            (br_if $out2 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 16)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f64x2.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f64x2.pmax (local.get $mx0) (local.get $v)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (br $step2)))
        (local.set $lo (call $hmin_f64 (f64x2.pmin
          (f64x2.pmin (local.get $mn0) (local.get $mn1))
          (f64x2.pmin (local.get $mn2) (local.get $mn3)))))
        (local.set $hi (call $hmax_f64 (f64x2.pmax
          (f64x2.pmax (local.get $mx0) (local.get $mx1))
          (f64x2.pmax (local.get $mx2) (local.get $mx3)))))
        (if (i32.ne (local.get $src) (local.get $end))
          (then
            (local.set $x (f64.load (local.get $src)))
            (if (f64.lt (local.get $x) (local.get $lo)) (then (local.set $lo (local.get $x))))
            (if (f64.gt (local.get $x) (local.get $hi)) (then (local.set $hi (local.get $x))))
            (local.set $src (local.get $end))))
        (call $emit_minmax_f64 (local.get $lo) (local.get $hi) (local.get $omin) (local.get $omax))
        (local.set $omin (i32.add (local.get $omin) (i32.const 8)))
        (local.set $omax (i32.add (local.get $omax) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $window))))

  (func (export "stats_f64")
    (param $src i32) (param $n i32) (param $w i32)
    (param $omin i32) (param $omax i32) (param $omean i32) (param $ocount i32)
    (local $end i32) (local $v v128) (local $f v128) (local $x f64) (local $lo f64)
    (local $hi f64) (local $sum f64) (local $count f64) (local $c v128)
    (local $mn0 v128) (local $mn1 v128) (local $mx0 v128) (local $mx1 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $done
      (loop $window
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $w) (i32.const 3))))
        (local.set $mn0 (v128.const f64x2 inf inf))
        (local.set $mn1 (local.get $mn0))
        (local.set $mx0 (v128.const f64x2 -inf -inf))
        (local.set $mx1 (local.get $mx0))
        (local.set $c (v128.const i64x2 0 0))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $s1 (local.get $s0))
        (local.set $s2 (local.get $s0))
        (local.set $s3 (local.get $s0))
        (block $out8
          (loop $step8
            (br_if $out8 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 64)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f64x2.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f64x2.pmax (local.get $mx0) (local.get $v)))
            (local.set $f (f64x2.eq (f64x2.sub (local.get $v) (local.get $v))
              (v128.const f64x2 0 0)))
            (local.set $c (i64x2.sub (local.get $c) (local.get $f)))
            (local.set $s0 (f64x2.add (local.get $s0) (v128.and (local.get $v) (local.get $f))))
            (local.set $v (v128.load offset=16 (local.get $src)))
            (local.set $mn1 (f64x2.pmin (local.get $mn1) (local.get $v)))
            (local.set $mx1 (f64x2.pmax (local.get $mx1) (local.get $v)))
            (local.set $f (f64x2.eq (f64x2.sub (local.get $v) (local.get $v))
              (v128.const f64x2 0 0)))
            (local.set $c (i64x2.sub (local.get $c) (local.get $f)))
            (local.set $s1 (f64x2.add (local.get $s1) (v128.and (local.get $v) (local.get $f))))
            (local.set $v (v128.load offset=32 (local.get $src)))
            (local.set $mn0 (f64x2.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f64x2.pmax (local.get $mx0) (local.get $v)))
            (local.set $f (f64x2.eq (f64x2.sub (local.get $v) (local.get $v))
              (v128.const f64x2 0 0)))
            (local.set $c (i64x2.sub (local.get $c) (local.get $f)))
            (local.set $s2 (f64x2.add (local.get $s2) (v128.and (local.get $v) (local.get $f))))
            (local.set $v (v128.load offset=48 (local.get $src)))
            (local.set $mn1 (f64x2.pmin (local.get $mn1) (local.get $v)))
            (local.set $mx1 (f64x2.pmax (local.get $mx1) (local.get $v)))
            (local.set $f (f64x2.eq (f64x2.sub (local.get $v) (local.get $v))
              (v128.const f64x2 0 0)))
            (local.set $c (i64x2.sub (local.get $c) (local.get $f)))
            (local.set $s3 (f64x2.add (local.get $s3) (v128.and (local.get $v) (local.get $f))))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))
            (br $step8)))
        (block $out2
          (loop $step2
            (br_if $out2 (i32.lt_u (i32.sub (local.get $end) (local.get $src)) (i32.const 16)))
            (local.set $v (v128.load (local.get $src)))
            (local.set $mn0 (f64x2.pmin (local.get $mn0) (local.get $v)))
            (local.set $mx0 (f64x2.pmax (local.get $mx0) (local.get $v)))
            (local.set $f (f64x2.eq (f64x2.sub (local.get $v) (local.get $v))
              (v128.const f64x2 0 0)))
            (local.set $c (i64x2.sub (local.get $c) (local.get $f)))
            (local.set $s0 (f64x2.add (local.get $s0) (v128.and (local.get $v) (local.get $f))))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (br $step2)))
        (local.set $lo (call $hmin_f64 (f64x2.pmin (local.get $mn0) (local.get $mn1))))
        (local.set $hi (call $hmax_f64 (f64x2.pmax (local.get $mx0) (local.get $mx1))))
        (local.set $s0 (f64x2.add
          (f64x2.add (local.get $s0) (local.get $s1))
          (f64x2.add (local.get $s2) (local.get $s3))))
        (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $s0))
          (f64x2.extract_lane 1 (local.get $s0))))
        (local.set $count (f64.convert_i64_u (i64.add (i64x2.extract_lane 0 (local.get $c))
          (i64x2.extract_lane 1 (local.get $c)))))
        (if (i32.ne (local.get $src) (local.get $end))
          (then
            (local.set $x (f64.load (local.get $src)))
            (if (f64.lt (local.get $x) (local.get $lo)) (then (local.set $lo (local.get $x))))
            (if (f64.gt (local.get $x) (local.get $hi)) (then (local.set $hi (local.get $x))))
            (if (f64.eq (f64.sub (local.get $x) (local.get $x)) (f64.const 0))
              (then
                (local.set $sum (f64.add (local.get $sum) (local.get $x)))
                (local.set $count (f64.add (local.get $count) (f64.const 1)))))
            (local.set $src (local.get $end))))
        (call $emit_minmax_f64 (local.get $lo) (local.get $hi) (local.get $omin) (local.get $omax))
        (f64.store (local.get $omean) (call $mean (local.get $sum) (local.get $count)))
        (f64.store (local.get $ocount) (local.get $count))
        (local.set $omin (i32.add (local.get $omin) (i32.const 8)))
        (local.set $omax (i32.add (local.get $omax) (i32.const 8)))
        (local.set $omean (i32.add (local.get $omean) (i32.const 8)))
        (local.set $ocount (i32.add (local.get $ocount) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $window))))
  ;; ---------------------------------------------------------------------------------------
  ;; The pyramid's level 1 (src/shared/signal/pyramid.ts, injected there by the lake): `n`
  ;; whole buckets of 64 samples at `src`, each folded into an accumulator (min, max, sum,
  ;; count: four float64 at `out`, 32 bytes a bucket) exactly as the reducer's own loop folds
  ;; them — the same comparisons, and the sum in float64 in sample order, so the pyramid's
  ;; bytes do not depend on which of the two reduced a bucket. No lanes here: the sequential
  ;; sum is a dependency chain that lanes would reorder, and the order is the contract.
  ;; `select` keeps the loop free of branches: a NaN fails both comparisons; a non-finite
  ;; sample adds +0 instead (exact: the sum starts at +0 and a sum of finite values is never
  ;; −0, so adding +0 changes nothing) and is not counted (an i32 count, off the sum's chain).

  (func (export "level1_f32") (param $src i32) (param $n i32) (param $out i32)
    (local $end i32) (local $bucket_end i32) (local $finite i32)
    (local $v f64) (local $min f64) (local $max f64) (local $sum f64) (local $n_finite i32)
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $n) (i32.const 256))))
    (block $done
      (loop $bucket
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $min (f64.const inf))
        (local.set $max (f64.const -inf))
        (local.set $sum (f64.const 0))
        (local.set $n_finite (i32.const 0))
        (local.set $bucket_end (i32.add (local.get $src) (i32.const 256)))
        (loop $samples
          (local.set $v (f64.promote_f32 (f32.load offset=0 (local.get $src))))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $v (f64.promote_f32 (f32.load offset=4 (local.get $src))))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $v (f64.promote_f32 (f32.load offset=8 (local.get $src))))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $v (f64.promote_f32 (f32.load offset=12 (local.get $src))))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $src (i32.add (local.get $src) (i32.const 16)))
          (br_if $samples (i32.lt_u (local.get $src) (local.get $bucket_end))))
        (f64.store offset=0 (local.get $out) (local.get $min))
        (f64.store offset=8 (local.get $out) (local.get $max))
        (f64.store offset=16 (local.get $out) (local.get $sum))
        (f64.store offset=24 (local.get $out) (f64.convert_i32_u (local.get $n_finite)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $bucket))))

  (func (export "level1_f64") (param $src i32) (param $n i32) (param $out i32)
    (local $end i32) (local $bucket_end i32) (local $finite i32)
    (local $v f64) (local $min f64) (local $max f64) (local $sum f64) (local $n_finite i32)
    (local.set $end (i32.add (local.get $src) (i32.mul (local.get $n) (i32.const 512))))
    (block $done
      (loop $bucket
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $min (f64.const inf))
        (local.set $max (f64.const -inf))
        (local.set $sum (f64.const 0))
        (local.set $n_finite (i32.const 0))
        (local.set $bucket_end (i32.add (local.get $src) (i32.const 512)))
        (loop $samples
          (local.set $v (f64.load offset=0 (local.get $src)))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $v (f64.load offset=8 (local.get $src)))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $v (f64.load offset=16 (local.get $src)))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $v (f64.load offset=24 (local.get $src)))
          (local.set $min (select (local.get $v) (local.get $min) (f64.lt (local.get $v) (local.get $min))))
          (local.set $max (select (local.get $v) (local.get $max) (f64.gt (local.get $v) (local.get $max))))
          (local.set $finite (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
          (local.set $sum (f64.add (local.get $sum) (select (local.get $v) (f64.const 0) (local.get $finite))))
          (local.set $n_finite (i32.add (local.get $n_finite) (local.get $finite)))
          (local.set $src (i32.add (local.get $src) (i32.const 32)))
          (br_if $samples (i32.lt_u (local.get $src) (local.get $bucket_end))))
        (f64.store offset=0 (local.get $out) (local.get $min))
        (f64.store offset=8 (local.get $out) (local.get $max))
        (f64.store offset=16 (local.get $out) (local.get $sum))
        (f64.store offset=24 (local.get $out) (f64.convert_i32_u (local.get $n_finite)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (br $bucket))))
)
