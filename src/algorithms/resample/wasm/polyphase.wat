;; The polyphase hot loop in WebAssembly SIMD128: output k is the dot product of one phase's
;; taps with a window of the (float64) samples, as jsPolyphaseKernel in ../kernels.ts computes
;; it; each next output moves the phase by `down` and the window by one sample per `up` of phase.
;;
;; Why float64 lanes (f64x2) for float32 signals too: the streaming core hands the kernel its
;; samples and taps as float64, and the reference sums in float64. A product of two float32
;; values is exact in float64 (24 + 24 bits < 53), so f64x2 products are the js products bit
;; for bit; f32x4 products would round them, and promoting them to float64 to accumulate costs
;; as many instructions per product as f64x2 does. Only the order of the sum differs from the
;; js loop (four f64x2 accumulators, then pairs, then one scalar product for an odd length):
;; a few units in the last place of float64 per output, far inside the 1e-14 norm-wise table.
;;
;; NaN and ±Infinity: a lane holds NaN exactly when its products include a NaN (0·∞ included)
;; or both infinities, and lanes are then added, so an output is NaN, ±Infinity or finite
;; exactly as the sequential js sum is.
;;
;; Calling convention: byte addresses in this module's own (ordinary) memory, which the caller
;; grows and fills: `taps` holds up·n float64 (phase p's n taps at taps + 8·p·n), `work` the
;; samples the outputs read, `out` receives `count` outputs, float32 when `f32out` ≠ 0 (the
;; float64 sum rounded once, as the js kernel's store into a Float32Array) else float64.
;; Loads need no alignment. Addresses are unsigned; the caller keeps them in bounds.
(module
  (memory (export "memory") 1)

  (func (export "polyphase")
    (param $taps i32) (param $work i32) (param $out i32) (param $n i32) (param $up i32)
    (param $down i32) (param $phase i32) (param $count i32) (param $f32out i32)
    (local $stepBytes i32) (local $stepPhase i32) (local $phaseBytes i32)
    (local $end8 i32) (local $end2 i32) (local $odd i32)
    (local $w i32) (local $t i32) (local $i i32) (local $k i32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $sum f64)
    (if (i32.eqz (local.get $count)) (then (return)))
    ;; Per output: the window moves floor(down/up) samples, the phase down mod up (and one more
    ;; sample when it wraps past up).
    (local.set $stepBytes (i32.shl (i32.div_u (local.get $down) (local.get $up)) (i32.const 3)))
    (local.set $stepPhase (i32.rem_u (local.get $down) (local.get $up)))
    (local.set $phaseBytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $end8 (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 3)))
    (local.set $end2 (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (local.set $odd (i32.and (local.get $n) (i32.const 1)))
    (local.set $w (local.get $work))
    (local.set $k (i32.const 0))
    (loop $outputs
      (local.set $t
        (i32.add (local.get $taps) (i32.mul (local.get $phase) (local.get $phaseBytes))))
      (local.set $acc0 (v128.const i64x2 0 0))
      (local.set $acc1 (v128.const i64x2 0 0))
      (local.set $acc2 (v128.const i64x2 0 0))
      (local.set $acc3 (v128.const i64x2 0 0))
      (local.set $i (i32.const 0))
      ;; Eight taps a turn over four independent accumulators (the add latency, not the
      ;; loads, bounds one accumulator).
      (block $done8
        (loop $eight
          (br_if $done8 (i32.ge_u (local.get $i) (local.get $end8)))
          (local.set $acc0 (f64x2.add (local.get $acc0)
            (f64x2.mul
              (v128.load (i32.add (local.get $t) (local.get $i)))
              (v128.load (i32.add (local.get $w) (local.get $i))))))
          (local.set $acc1 (f64x2.add (local.get $acc1)
            (f64x2.mul
              (v128.load offset=16 (i32.add (local.get $t) (local.get $i)))
              (v128.load offset=16 (i32.add (local.get $w) (local.get $i))))))
          (local.set $acc2 (f64x2.add (local.get $acc2)
            (f64x2.mul
              (v128.load offset=32 (i32.add (local.get $t) (local.get $i)))
              (v128.load offset=32 (i32.add (local.get $w) (local.get $i))))))
          (local.set $acc3 (f64x2.add (local.get $acc3)
            (f64x2.mul
              (v128.load offset=48 (i32.add (local.get $t) (local.get $i)))
              (v128.load offset=48 (i32.add (local.get $w) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 64)))
          (br $eight)))
      (local.set $acc0 (f64x2.add
        (f64x2.add (local.get $acc0) (local.get $acc1))
        (f64x2.add (local.get $acc2) (local.get $acc3))))
      (block $done2
        (loop $two
          (br_if $done2 (i32.ge_u (local.get $i) (local.get $end2)))
          (local.set $acc0 (f64x2.add (local.get $acc0)
            (f64x2.mul
              (v128.load (i32.add (local.get $t) (local.get $i)))
              (v128.load (i32.add (local.get $w) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $two)))
      (local.set $sum (f64.add
        (f64x2.extract_lane 0 (local.get $acc0))
        (f64x2.extract_lane 1 (local.get $acc0))))
      (if (local.get $odd)
        (then
          (local.set $sum (f64.add (local.get $sum)
            (f64.mul
              (f64.load (i32.add (local.get $t) (local.get $i)))
              (f64.load (i32.add (local.get $w) (local.get $i))))))))
      (if (local.get $f32out)
        (then
          (f32.store (local.get $out) (f32.demote_f64 (local.get $sum)))
          (local.set $out (i32.add (local.get $out) (i32.const 4))))
        (else
          (f64.store (local.get $out) (local.get $sum))
          (local.set $out (i32.add (local.get $out) (i32.const 8)))))
      (local.set $w (i32.add (local.get $w) (local.get $stepBytes)))
      (local.set $phase (i32.add (local.get $phase) (local.get $stepPhase)))
      (if (i32.ge_u (local.get $phase) (local.get $up))
        (then
          (local.set $phase (i32.sub (local.get $phase) (local.get $up)))
          (local.set $w (i32.add (local.get $w) (i32.const 8)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $outputs (i32.lt_u (local.get $k) (local.get $count))))))
