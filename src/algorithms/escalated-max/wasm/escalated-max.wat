;; Escalated (running) maximum over whole frames of interleaved channels, by the rule of
;; ../reference.ts: per channel, a sample replaces the running maximum when it is greater, or
;; when the channel has none yet (the maximum is NaN); NaN never wins; output = maximum + 0
;; (−0 written as 0, NaN until the channel's first non-NaN sample).
;;
;; `escalate_f32(src, dst, frames, channels, m)`: `frames` frames of `channels` samples at
;; `src`, outputs at `dst` (same layout), running maxima of the channels at `m` (read and
;; updated). Where the channels fill whole vectors (a multiple of 4 for float32, of 2 for
;; float64) a frame is a few vector steps — channels are independent lanes; otherwise a scalar
;; loop (a single channel is a serial scan that SIMD lanes cannot split cheaply). The
;; caller handles frames cut by chunk edges. Byte addresses; the caller checks bounds.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "escalate_f32")
    (param $src i32) (param $dst i32) (param $frames i32) (param $channels i32) (param $m i32)
    (local $bytes i32) (local $j i32) (local $v v128) (local $mm v128) (local $x f32) (local $y f32)
    (local.set $bytes (i32.shl (local.get $channels) (i32.const 2)))
    (if (i32.eqz (i32.and (local.get $channels) (i32.const 3)))
      (then
        (block $done
          (loop $frame
            (br_if $done (i32.eqz (local.get $frames)))
            (local.set $j (i32.const 0))
            (loop $lanes
              (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
              (local.set $mm (v128.load (i32.add (local.get $m) (local.get $j))))
              ;; take v where v > max, or where the channel has no maximum yet (max ≠ max)
              (local.set $mm (v128.bitselect (local.get $v) (local.get $mm)
                (v128.or (f32x4.gt (local.get $v) (local.get $mm))
                         (f32x4.ne (local.get $mm) (local.get $mm)))))
              (v128.store (i32.add (local.get $m) (local.get $j)) (local.get $mm))
              (v128.store (i32.add (local.get $dst) (local.get $j))
                (f32x4.add (local.get $mm) (v128.const f32x4 0 0 0 0)))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br_if $lanes (i32.lt_u (local.get $j) (local.get $bytes))))
            (local.set $src (i32.add (local.get $src) (local.get $bytes)))
            (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
            (local.set $frames (i32.sub (local.get $frames) (i32.const 1)))
            (br $frame))))
      (else
        (block $done
          (loop $frame
            (br_if $done (i32.eqz (local.get $frames)))
            (local.set $j (i32.const 0))
            (loop $channel
              (local.set $x (f32.load (i32.add (local.get $src) (local.get $j))))
              (local.set $y (f32.load (i32.add (local.get $m) (local.get $j))))
              (if (i32.or (f32.gt (local.get $x) (local.get $y)) (f32.ne (local.get $y) (local.get $y)))
                (then
                  (local.set $y (local.get $x))
                  (f32.store (i32.add (local.get $m) (local.get $j)) (local.get $y))))
              (f32.store (i32.add (local.get $dst) (local.get $j))
                (f32.add (local.get $y) (f32.const 0)))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br_if $channel (i32.lt_u (local.get $j) (local.get $bytes))))
            (local.set $src (i32.add (local.get $src) (local.get $bytes)))
            (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
            (local.set $frames (i32.sub (local.get $frames) (i32.const 1)))
            (br $frame))))))

  (func (export "escalate_f64")
    (param $src i32) (param $dst i32) (param $frames i32) (param $channels i32) (param $m i32)
    (local $bytes i32) (local $j i32) (local $v v128) (local $mm v128) (local $x f64) (local $y f64)
    (local.set $bytes (i32.shl (local.get $channels) (i32.const 3)))
    (if (i32.eqz (i32.and (local.get $channels) (i32.const 1)))
      (then
        (block $done
          (loop $frame
            (br_if $done (i32.eqz (local.get $frames)))
            (local.set $j (i32.const 0))
            (loop $lanes
              (local.set $v (v128.load (i32.add (local.get $src) (local.get $j))))
              (local.set $mm (v128.load (i32.add (local.get $m) (local.get $j))))
              (local.set $mm (v128.bitselect (local.get $v) (local.get $mm)
                (v128.or (f64x2.gt (local.get $v) (local.get $mm))
                         (f64x2.ne (local.get $mm) (local.get $mm)))))
              (v128.store (i32.add (local.get $m) (local.get $j)) (local.get $mm))
              (v128.store (i32.add (local.get $dst) (local.get $j))
                (f64x2.add (local.get $mm) (v128.const f64x2 0 0)))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br_if $lanes (i32.lt_u (local.get $j) (local.get $bytes))))
            (local.set $src (i32.add (local.get $src) (local.get $bytes)))
            (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
            (local.set $frames (i32.sub (local.get $frames) (i32.const 1)))
            (br $frame))))
      (else
        (block $done
          (loop $frame
            (br_if $done (i32.eqz (local.get $frames)))
            (local.set $j (i32.const 0))
            (loop $channel
              (local.set $x (f64.load (i32.add (local.get $src) (local.get $j))))
              (local.set $y (f64.load (i32.add (local.get $m) (local.get $j))))
              (if (i32.or (f64.gt (local.get $x) (local.get $y)) (f64.ne (local.get $y) (local.get $y)))
                (then
                  (local.set $y (local.get $x))
                  (f64.store (i32.add (local.get $m) (local.get $j)) (local.get $y))))
              (f64.store (i32.add (local.get $dst) (local.get $j))
                (f64.add (local.get $y) (f64.const 0)))
              (local.set $j (i32.add (local.get $j) (i32.const 8)))
              (br_if $channel (i32.lt_u (local.get $j) (local.get $bytes))))
            (local.set $src (i32.add (local.get $src) (local.get $bytes)))
            (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
            (local.set $frames (i32.sub (local.get $frames) (i32.const 1)))
            (br $frame)))))))
