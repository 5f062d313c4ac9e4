;; Rolling mean/std and rolling median/MAD over full windows, the same algorithms and the same
;; float64 operations in the same order as ../meanStd.ts, ../sortedWindow.ts and
;; ../medianMad.ts, so a block gives the js kernel's bytes (float64 in, float64 out; the caller
;; converts float32 on copy-in and rounds outputs once on copy-out).
;;
;; NaN rule (the references'): NaN is a gap, left out of sums and of the sorted window; a window
;; with fewer than `minp` non-NaN samples gives NaN; ±∞ are observations (mean ±∞ or NaN, std
;; NaN; ordered as numbers in the median, MAD NaN when the median is not finite).
;;
;; Layout (byte addresses, the caller checks bounds): `x` is a region of float64 samples; region
;; index r holds the block's sample g = g0 + (r − r0), and the region reaches back to sample
;; g − w for every processed g (the leaving sample and, for mean/std, the whole window). The
;; running state lives at `st` (below) so a block can be processed in several calls (slices,
;; batches of the region) and give the bytes of one call. Outputs, float64, one per processed
;; sample g ≥ w − 1, are written consecutively from `om`/`os`.
;;
;; State at `st`: f64 shift @0, Σd hi @8 lo @16, Σd² hi @24 lo @32; i32 finite @40, +∞ count
;; @44, −∞ count @48, samples since the last rescan @52; i32 size of the sorted window @56.
;;
;; SIMD: none. Both statistics are serial by construction — the double-double sums depend on
;; the previous sample's sums, in the reference's order (reordering them into lanes would change
;; the last bits against the reference), and the sorted window's moves are memory.copy, which
;; the engine already runs as a vector memmove. The module is still validated with SIMD on, as
;; every module of the algorithms is.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; (hi, lo) + (a + b) as ../compensated.ts's addTo: the new (hi, lo).
  (func $add_dd (param $hi f64) (param $lo f64) (param $a f64) (param $b f64) (result f64 f64)
    (local $s f64) (local $v f64) (local $l f64) (local $h f64)
    (local.set $s (f64.add (local.get $hi) (local.get $a)))
    (local.set $v (f64.sub (local.get $s) (local.get $hi)))
    (local.set $l
      (f64.add
        (f64.add
          (f64.add
            (f64.sub (local.get $hi) (f64.sub (local.get $s) (local.get $v)))
            (f64.sub (local.get $a) (local.get $v)))
          (local.get $lo))
        (local.get $b)))
    (local.set $h (f64.add (local.get $s) (local.get $l)))
    (local.get $h)
    (f64.sub (local.get $l) (f64.sub (local.get $h) (local.get $s))))

  ;; The rounding error of a·b (Veltkamp split), 0 where the split overflows: productError.
  (func $prod_err (param $a f64) (param $b f64) (result f64)
    (local $p f64) (local $ca f64) (local $cb f64)
    (local $ah f64) (local $al f64) (local $bh f64) (local $bl f64)
    (local.set $p (f64.mul (local.get $a) (local.get $b)))
    (local.set $ca (f64.mul (f64.const 134217729) (local.get $a)))
    (local.set $cb (f64.mul (f64.const 134217729) (local.get $b)))
    (if (i32.eqz
          (i32.and
            (f64.eq (f64.sub (local.get $ca) (local.get $ca)) (f64.const 0))
            (f64.eq (f64.sub (local.get $cb) (local.get $cb)) (f64.const 0))))
      (then (return (f64.const 0))))
    (local.set $ah (f64.sub (local.get $ca) (f64.sub (local.get $ca) (local.get $a))))
    (local.set $al (f64.sub (local.get $a) (local.get $ah)))
    (local.set $bh (f64.sub (local.get $cb) (f64.sub (local.get $cb) (local.get $b))))
    (local.set $bl (f64.sub (local.get $b) (local.get $bh)))
    (f64.add
      (f64.add
        (f64.add
          (f64.sub (f64.mul (local.get $ah) (local.get $bh)) (local.get $p))
          (f64.mul (local.get $ah) (local.get $bl)))
        (f64.mul (local.get $al) (local.get $bh)))
      (f64.mul (local.get $al) (local.get $bl))))

  ;; Σ(d − md)² from the sums, as meanStd.ts's spread (n = the finite count as f64).
  (func $spread (param $sh f64) (param $sl f64) (param $qh f64) (param $ql f64) (param $n f64)
    (param $md f64) (result f64)
    (local $residual f64)
    (local.set $residual
      (f64.add
        (f64.sub
          (f64.sub (local.get $sh) (f64.mul (local.get $n) (local.get $md)))
          (call $prod_err (local.get $n) (local.get $md)))
        (local.get $sl)))
    (f64.add
      (f64.sub (local.get $qh) (f64.mul (local.get $md) (local.get $sh)))
      (f64.sub
        (f64.sub
          (f64.sub (local.get $ql) (call $prod_err (local.get $md) (local.get $sh)))
          (f64.mul (local.get $md) (local.get $sl)))
        (f64.mul (local.get $md) (local.get $residual)))))

  ;; Recomputes the state's sums around the window's mean (meanStd.ts's rescan). The window
  ;; ends at region index r (block sample g): its last min(g + 1, w) samples, visited in the
  ;; reference's ring order (slot g mod w first), so the sums round as the reference's do.
  (func $rescan (param $st i32) (param $x i32) (param $r i32) (param $g i32) (param $w i32)
    (local $filled i32) (local $start i32) (local $k i32) (local $p i32) (local $v f64)
    (local $total f64) (local $count i32) (local $any f64) (local $mean f64) (local $shift f64)
    (local $d f64) (local $sh f64) (local $sl f64) (local $qh f64) (local $ql f64)
    (local $finite i32) (local $pos i32) (local $neg i32) (local $pass i32)
    (local.set $filled
      (select (i32.add (local.get $g) (i32.const 1)) (local.get $w)
        (i32.lt_s (i32.add (local.get $g) (i32.const 1)) (local.get $w))))
    (local.set $start
      (select
        (i32.add (i32.sub (local.get $r) (local.get $filled)) (i32.const 1))
        (i32.sub (local.get $r) (i32.rem_u (local.get $g) (local.get $w)))
        (i32.lt_s (local.get $filled) (local.get $w))))
    ;; pass 0: the mean of the finite samples; pass 1: their sums around it
    (loop $passes
      (local.set $k (i32.const 0))
      (block $done
        (loop $samples
          (br_if $done (i32.ge_s (local.get $k) (local.get $filled)))
          (local.set $p (i32.add (local.get $start) (local.get $k)))
          (if (i32.gt_s (local.get $p) (local.get $r))
            (then (local.set $p (i32.sub (local.get $p) (local.get $filled)))))
          (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 3)))))
          (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
            (then
              (if (i32.eqz (local.get $pass))
                (then
                  (local.set $total (f64.add (local.get $total) (local.get $v)))
                  (local.set $count (i32.add (local.get $count) (i32.const 1)))
                  (local.set $any (local.get $v)))
                (else
                  (local.set $d (f64.sub (local.get $v) (local.get $shift)))
                  (call $add_dd (local.get $sh) (local.get $sl) (local.get $d) (f64.const 0))
                  (local.set $sl)
                  (local.set $sh)
                  (call $add_dd (local.get $qh) (local.get $ql)
                    (f64.mul (local.get $d) (local.get $d))
                    (call $prod_err (local.get $d) (local.get $d)))
                  (local.set $ql)
                  (local.set $qh)
                  (local.set $finite (i32.add (local.get $finite) (i32.const 1))))))
            (else
              (if (i32.and (local.get $pass) (f64.eq (local.get $v) (f64.const inf)))
                (then (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
              (if (i32.and (local.get $pass) (f64.eq (local.get $v) (f64.const -inf)))
                (then (local.set $neg (i32.add (local.get $neg) (i32.const 1)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $samples)))
      (if (i32.eqz (local.get $pass))
        (then
          (local.set $mean
            (select
              (f64.div (local.get $total) (f64.convert_i32_s (local.get $count)))
              (f64.const 0)
              (i32.gt_s (local.get $count) (i32.const 0))))
          ;; A sum that overflowed gives no mean; any finite sample is a fine shift then.
          (local.set $shift
            (select (local.get $mean) (local.get $any)
              (f64.eq (f64.sub (local.get $mean) (local.get $mean)) (f64.const 0))))
          (local.set $pass (i32.const 1))
          (br $passes))))
    (f64.store offset=0 (local.get $st) (local.get $shift))
    (f64.store offset=8 (local.get $st) (local.get $sh))
    (f64.store offset=16 (local.get $st) (local.get $sl))
    (f64.store offset=24 (local.get $st) (local.get $qh))
    (f64.store offset=32 (local.get $st) (local.get $ql))
    (i32.store offset=40 (local.get $st) (local.get $finite))
    (i32.store offset=44 (local.get $st) (local.get $pos))
    (i32.store offset=48 (local.get $st) (local.get $neg))
    (i32.store offset=52 (local.get $st) (i32.const 0)))

  ;; Mean and std (ddof 0 or 1) of the window ending at each sample of region [r0, r1), block
  ;; samples from g0 on; outputs for samples g ≥ w − 1 (meanStd.ts's update and emit).
  (func (export "mean_std")
    (param $st i32) (param $x i32) (param $r0 i32) (param $r1 i32) (param $g0 i32)
    (param $w i32) (param $minp i32) (param $ddof i32) (param $om i32) (param $os i32)
    (local $r i32) (local $g i32) (local $v f64) (local $d f64) (local $n f64) (local $md f64)
    (local $m2 f64) (local $shift f64) (local $sh f64) (local $sl f64) (local $qh f64)
    (local $ql f64) (local $finite i32) (local $pos i32) (local $neg i32) (local $since i32)
    (local.set $shift (f64.load offset=0 (local.get $st)))
    (local.set $sh (f64.load offset=8 (local.get $st)))
    (local.set $sl (f64.load offset=16 (local.get $st)))
    (local.set $qh (f64.load offset=24 (local.get $st)))
    (local.set $ql (f64.load offset=32 (local.get $st)))
    (local.set $finite (i32.load offset=40 (local.get $st)))
    (local.set $pos (i32.load offset=44 (local.get $st)))
    (local.set $neg (i32.load offset=48 (local.get $st)))
    (local.set $since (i32.load offset=52 (local.get $st)))
    (local.set $r (local.get $r0))
    (local.set $g (local.get $g0))
    (block $end
      (loop $sample
        (br_if $end (i32.ge_s (local.get $r) (local.get $r1)))
        ;; The window was full before this sample: the oldest leaves (sign −1).
        (if (i32.ge_s (local.get $g) (local.get $w))
          (then
            (local.set $v
              (f64.load
                (i32.add (local.get $x)
                  (i32.shl (i32.sub (local.get $r) (local.get $w)) (i32.const 3)))))
            (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
              (then
                (local.set $d (f64.sub (local.get $v) (local.get $shift)))
                (call $add_dd (local.get $sh) (local.get $sl) (f64.neg (local.get $d))
                  (f64.const 0))
                (local.set $sl)
                (local.set $sh)
                (call $add_dd (local.get $qh) (local.get $ql)
                  (f64.neg (f64.mul (local.get $d) (local.get $d)))
                  (f64.neg (call $prod_err (local.get $d) (local.get $d))))
                (local.set $ql)
                (local.set $qh)
                (local.set $finite (i32.sub (local.get $finite) (i32.const 1))))
              (else
                (if (f64.eq (local.get $v) (f64.const inf))
                  (then (local.set $pos (i32.sub (local.get $pos) (i32.const 1)))))
                (if (f64.eq (local.get $v) (f64.const -inf))
                  (then (local.set $neg (i32.sub (local.get $neg) (i32.const 1)))))))))
        ;; The new sample enters (sign +1).
        (local.set $v (f64.load (i32.add (local.get $x) (i32.shl (local.get $r) (i32.const 3)))))
        (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
          (then
            (local.set $d (f64.sub (local.get $v) (local.get $shift)))
            (call $add_dd (local.get $sh) (local.get $sl) (local.get $d) (f64.const 0))
            (local.set $sl)
            (local.set $sh)
            (call $add_dd (local.get $qh) (local.get $ql)
              (f64.mul (local.get $d) (local.get $d))
              (call $prod_err (local.get $d) (local.get $d)))
            (local.set $ql)
            (local.set $qh)
            (local.set $finite (i32.add (local.get $finite) (i32.const 1))))
          (else
            (if (f64.eq (local.get $v) (f64.const inf))
              (then (local.set $pos (i32.add (local.get $pos) (i32.const 1)))))
            (if (f64.eq (local.get $v) (f64.const -inf))
              (then (local.set $neg (i32.add (local.get $neg) (i32.const 1)))))))
        ;; The scheduled rescan, once per `w` samples.
        (local.set $since (i32.add (local.get $since) (i32.const 1)))
        (if (i32.ge_s (local.get $since) (local.get $w))
          (then
            (call $rescan (local.get $st) (local.get $x) (local.get $r) (local.get $g)
              (local.get $w))
            (local.set $shift (f64.load offset=0 (local.get $st)))
            (local.set $sh (f64.load offset=8 (local.get $st)))
            (local.set $sl (f64.load offset=16 (local.get $st)))
            (local.set $qh (f64.load offset=24 (local.get $st)))
            (local.set $ql (f64.load offset=32 (local.get $st)))
            (local.set $finite (i32.load offset=40 (local.get $st)))
            (local.set $pos (i32.load offset=44 (local.get $st)))
            (local.set $neg (i32.load offset=48 (local.get $st)))
            (local.set $since (i32.const 0))))
        (if (i32.ge_s (local.get $g) (i32.sub (local.get $w) (i32.const 1)))
          (then
            (if (i32.lt_s
                  (i32.add (i32.add (local.get $finite) (local.get $pos)) (local.get $neg))
                  (local.get $minp))
              (then
                (f64.store (local.get $om) (f64.const nan))
                (f64.store (local.get $os) (f64.const nan)))
              (else
                (if (i32.or (i32.gt_s (local.get $pos) (i32.const 0))
                            (i32.gt_s (local.get $neg) (i32.const 0)))
                  (then
                    (f64.store (local.get $om)
                      (select
                        (f64.const nan)
                        (select (f64.const inf) (f64.const -inf)
                          (i32.gt_s (local.get $pos) (i32.const 0)))
                        (i32.and (i32.gt_s (local.get $pos) (i32.const 0))
                                 (i32.gt_s (local.get $neg) (i32.const 0)))))
                    (f64.store (local.get $os) (f64.const nan)))
                  (else
                    (local.set $n (f64.convert_i32_s (local.get $finite)))
                    (local.set $md
                      (f64.div (f64.add (local.get $sh) (local.get $sl)) (local.get $n)))
                    (local.set $m2
                      (call $spread (local.get $sh) (local.get $sl) (local.get $qh)
                        (local.get $ql) (local.get $n) (local.get $md)))
                    ;; Drifted well above the shift's own rounding: rescan now (meanStd.ts).
                    (if (i32.and
                          (i32.and
                            (i32.gt_s (local.get $finite) (i32.const 1))
                            (f64.gt
                              (f64.mul (f64.mul (local.get $md) (local.get $md)) (local.get $n))
                              (f64.mul (f64.const 0x1p20)
                                (f64.max (local.get $m2) (f64.const 0)))))
                          (f64.gt (f64.abs (local.get $md))
                            (f64.mul (f64.const 0x1p-30) (f64.abs (local.get $shift)))))
                      (then
                        (call $rescan (local.get $st) (local.get $x) (local.get $r)
                          (local.get $g) (local.get $w))
                        (local.set $shift (f64.load offset=0 (local.get $st)))
                        (local.set $sh (f64.load offset=8 (local.get $st)))
                        (local.set $sl (f64.load offset=16 (local.get $st)))
                        (local.set $qh (f64.load offset=24 (local.get $st)))
                        (local.set $ql (f64.load offset=32 (local.get $st)))
                        (local.set $finite (i32.load offset=40 (local.get $st)))
                        (local.set $pos (i32.load offset=44 (local.get $st)))
                        (local.set $neg (i32.load offset=48 (local.get $st)))
                        (local.set $since (i32.const 0))
                        (local.set $n (f64.convert_i32_s (local.get $finite)))
                        (local.set $md
                          (f64.div (f64.add (local.get $sh) (local.get $sl)) (local.get $n)))
                        (local.set $m2
                          (call $spread (local.get $sh) (local.get $sl) (local.get $qh)
                            (local.get $ql) (local.get $n) (local.get $md)))))
                    (f64.store (local.get $om) (f64.add (local.get $shift) (local.get $md)))
                    (f64.store (local.get $os)
                      (select
                        (f64.sqrt
                          (f64.div (f64.max (local.get $m2) (f64.const 0))
                            (f64.convert_i32_s (i32.sub (local.get $finite) (local.get $ddof)))))
                        (f64.const nan)
                        (i32.gt_s (i32.sub (local.get $finite) (local.get $ddof))
                          (i32.const 0))))))))
            (local.set $om (i32.add (local.get $om) (i32.const 8)))
            (local.set $os (i32.add (local.get $os) (i32.const 8)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $sample)))
    (f64.store offset=0 (local.get $st) (local.get $shift))
    (f64.store offset=8 (local.get $st) (local.get $sh))
    (f64.store offset=16 (local.get $st) (local.get $sl))
    (f64.store offset=24 (local.get $st) (local.get $qh))
    (f64.store offset=32 (local.get $st) (local.get $ql))
    (i32.store offset=40 (local.get $st) (local.get $finite))
    (i32.store offset=44 (local.get $st) (local.get $pos))
    (i32.store offset=48 (local.get $st) (local.get $neg))
    (i32.store offset=52 (local.get $st) (local.get $since)))

  ;; The first index of sorted[0 … n − 1] whose value is ≥ v (v never NaN).
  (func $lower_bound (param $s i32) (param $n i32) (param $v f64) (result i32)
    (local $lo i32) (local $hi i32) (local $mid i32)
    (local.set $hi (local.get $n))
    (block $done
      (loop $search
        (br_if $done (i32.ge_s (local.get $lo) (local.get $hi)))
        (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
        (if (f64.lt (f64.load (i32.add (local.get $s) (i32.shl (local.get $mid) (i32.const 3))))
                    (local.get $v))
          (then (local.set $lo (i32.add (local.get $mid) (i32.const 1))))
          (else (local.set $hi (local.get $mid))))
        (br $search)))
    (local.get $lo))

  ;; The k-th smallest |s − m| of the sorted values, m finite, p = lower_bound(m):
  ;; sortedWindow.ts's kthDeviation (two sorted runs, a binary search over the split).
  (func $kth (param $s i32) (param $n i32) (param $p i32) (param $m f64) (param $k i32)
    (result f64)
    (local $lo i32) (local $hi i32) (local $i i32) (local $j i32) (local $left f64)
    (local $right f64)
    (local.set $lo (i32.sub (i32.add (local.get $k) (i32.const 1))
      (i32.sub (local.get $n) (local.get $p))))
    (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))
    (local.set $hi (i32.add (local.get $k) (i32.const 1)))
    (if (i32.gt_s (local.get $hi) (local.get $p)) (then (local.set $hi (local.get $p))))
    (block $done
      (loop $search
        (br_if $done (i32.ge_s (local.get $lo) (local.get $hi)))
        (local.set $i (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
        (if (f64.gt
              (f64.sub
                (f64.load (i32.add (local.get $s)
                  (i32.shl (i32.sub (i32.add (local.get $p) (local.get $k)) (local.get $i))
                    (i32.const 3))))
                (local.get $m))
              (f64.sub (local.get $m)
                (f64.load (i32.add (local.get $s)
                  (i32.shl (i32.sub (i32.sub (local.get $p) (i32.const 1)) (local.get $i))
                    (i32.const 3))))))
          (then (local.set $lo (i32.add (local.get $i) (i32.const 1))))
          (else (local.set $hi (local.get $i))))
        (br $search)))
    (local.set $j (i32.sub (i32.add (local.get $k) (i32.const 1)) (local.get $lo)))
    (local.set $left (f64.const -inf))
    (if (i32.gt_s (local.get $lo) (i32.const 0))
      (then
        (local.set $left
          (f64.sub (local.get $m)
            (f64.load (i32.add (local.get $s)
              (i32.shl (i32.sub (local.get $p) (local.get $lo)) (i32.const 3))))))))
    (local.set $right (f64.const -inf))
    (if (i32.gt_s (local.get $j) (i32.const 0))
      (then
        (local.set $right
          (f64.sub
            (f64.load (i32.add (local.get $s)
              (i32.shl (i32.sub (i32.add (local.get $p) (local.get $j)) (i32.const 1))
                (i32.const 3))))
            (local.get $m)))))
    (select (local.get $left) (local.get $right) (f64.gt (local.get $left) (local.get $right))))

  ;; Median and scale · MAD of the window ending at each sample of region [r0, r1) (block
  ;; samples from g0 on), outputs for samples g ≥ w − 1: medianMad.ts over sortedWindow.ts.
  ;; The sorted non-NaN values of the window live at `s` (w float64), their count at st + 56.
  (func (export "median_mad")
    (param $st i32) (param $x i32) (param $r0 i32) (param $r1 i32) (param $g0 i32)
    (param $w i32) (param $minp i32) (param $scale f64) (param $s i32) (param $om i32)
    (param $oa i32)
    (local $r i32) (local $g i32) (local $size i32) (local $e f64) (local $l f64)
    (local $at i32) (local $out i32) (local $half i32) (local $m f64) (local $p i32)
    (local $mad f64)
    (local.set $size (i32.load offset=56 (local.get $st)))
    (local.set $r (local.get $r0))
    (local.set $g (local.get $g0))
    (block $end
      (loop $sample
        (br_if $end (i32.ge_s (local.get $r) (local.get $r1)))
        ;; + 0: −0 and 0 are one value in the sorted window (sortedWindow.ts's slide).
        (local.set $e
          (f64.add (f64.load (i32.add (local.get $x) (i32.shl (local.get $r) (i32.const 3))))
            (f64.const 0)))
        (local.set $l (f64.const nan))
        (if (i32.ge_s (local.get $g) (local.get $w))
          (then
            (local.set $l
              (f64.load (i32.add (local.get $x)
                (i32.shl (i32.sub (local.get $r) (local.get $w)) (i32.const 3)))))))
        (if (i32.and (f64.eq (local.get $l) (local.get $l)) (f64.eq (local.get $e) (local.get $e)))
          (then
            ;; Replace in one move: only the values between the two places shift.
            (local.set $out (call $lower_bound (local.get $s) (local.get $size) (local.get $l)))
            (local.set $at (call $lower_bound (local.get $s) (local.get $size) (local.get $e)))
            (if (i32.gt_s (local.get $at) (local.get $out))
              (then
                (memory.copy
                  (i32.add (local.get $s) (i32.shl (local.get $out) (i32.const 3)))
                  (i32.add (local.get $s)
                    (i32.shl (i32.add (local.get $out) (i32.const 1)) (i32.const 3)))
                  (i32.shl (i32.sub (i32.sub (local.get $at) (local.get $out)) (i32.const 1))
                    (i32.const 3)))
                (f64.store
                  (i32.add (local.get $s)
                    (i32.shl (i32.sub (local.get $at) (i32.const 1)) (i32.const 3)))
                  (local.get $e)))
              (else
                (memory.copy
                  (i32.add (local.get $s)
                    (i32.shl (i32.add (local.get $at) (i32.const 1)) (i32.const 3)))
                  (i32.add (local.get $s) (i32.shl (local.get $at) (i32.const 3)))
                  (i32.shl (i32.sub (local.get $out) (local.get $at)) (i32.const 3)))
                (f64.store (i32.add (local.get $s) (i32.shl (local.get $at) (i32.const 3)))
                  (local.get $e)))))
          (else
            (if (f64.eq (local.get $l) (local.get $l))
              (then
                (local.set $at (call $lower_bound (local.get $s) (local.get $size) (local.get $l)))
                (local.set $size (i32.sub (local.get $size) (i32.const 1)))
                (memory.copy
                  (i32.add (local.get $s) (i32.shl (local.get $at) (i32.const 3)))
                  (i32.add (local.get $s)
                    (i32.shl (i32.add (local.get $at) (i32.const 1)) (i32.const 3)))
                  (i32.shl (i32.sub (local.get $size) (local.get $at)) (i32.const 3)))))
            (if (f64.eq (local.get $e) (local.get $e))
              (then
                (local.set $at (call $lower_bound (local.get $s) (local.get $size) (local.get $e)))
                (memory.copy
                  (i32.add (local.get $s)
                    (i32.shl (i32.add (local.get $at) (i32.const 1)) (i32.const 3)))
                  (i32.add (local.get $s) (i32.shl (local.get $at) (i32.const 3)))
                  (i32.shl (i32.sub (local.get $size) (local.get $at)) (i32.const 3)))
                (f64.store (i32.add (local.get $s) (i32.shl (local.get $at) (i32.const 3)))
                  (local.get $e))
                (local.set $size (i32.add (local.get $size) (i32.const 1)))))))
        (if (i32.ge_s (local.get $g) (i32.sub (local.get $w) (i32.const 1)))
          (then
            (if (i32.lt_s (local.get $size) (local.get $minp))
              (then
                (f64.store (local.get $om) (f64.const nan))
                (f64.store (local.get $oa) (f64.const nan)))
              (else
                ;; numpy's median: the middle value, or the mean of the middle two
                (local.set $half (i32.shr_u (local.get $size) (i32.const 1)))
                (local.set $m
                  (f64.load (i32.add (local.get $s) (i32.shl (local.get $half) (i32.const 3)))))
                (if (i32.eqz (i32.and (local.get $size) (i32.const 1)))
                  (then
                    (local.set $m
                      (f64.div
                        (f64.add
                          (f64.load (i32.add (local.get $s)
                            (i32.shl (i32.sub (local.get $half) (i32.const 1)) (i32.const 3))))
                          (local.get $m))
                        (f64.const 2)))))
                ;; MAD: NaN for a median that is not finite (∞ − ∞ deviations, as numpy)
                (local.set $mad (f64.const nan))
                (if (f64.eq (f64.sub (local.get $m) (local.get $m)) (f64.const 0))
                  (then
                    (local.set $p
                      (call $lower_bound (local.get $s) (local.get $size) (local.get $m)))
                    (local.set $mad
                      (call $kth (local.get $s) (local.get $size) (local.get $p) (local.get $m)
                        (local.get $half)))
                    (if (i32.eqz (i32.and (local.get $size) (i32.const 1)))
                      (then
                        (local.set $mad
                          (f64.div
                            (f64.add
                              (call $kth (local.get $s) (local.get $size) (local.get $p)
                                (local.get $m) (i32.sub (local.get $half) (i32.const 1)))
                              (local.get $mad))
                            (f64.const 2)))))))
                (f64.store (local.get $om) (local.get $m))
                (f64.store (local.get $oa) (f64.mul (local.get $scale) (local.get $mad)))))
            (local.set $om (i32.add (local.get $om) (i32.const 8)))
            (local.set $oa (i32.add (local.get $oa) (i32.const 8)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $sample)))
    (i32.store offset=56 (local.get $st) (local.get $size))))
