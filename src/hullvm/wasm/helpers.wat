;; i32 operations the machine has no circuit for, written with the ones it has: add, sub,
;; comparisons, locals and branches. Bits are read most significant first with (x <s 0) and
;; shifted out with x + x, so every loop runs at most 32 times whatever the operand values.
(module
  (import "hullvm" "trap_div" (func $trap_div))
  (import "hullvm" "trap_overflow" (func $trap_overflow))

  ;; a * b mod 2**32: skip the leading zero bits of b, then shift and add.
  (func $mul (export "mul") (param $a i32) (param $b i32) (result i32)
    (local $r i32) (local $n i32)
    (local.set $n (i32.const 32))
    (block $done
      (loop $skip
        (br_if $done (i32.eqz (local.get $b)))
        (br_if $done (i32.lt_s (local.get $b) (i32.const 0)))
        (local.set $b (i32.add (local.get $b) (local.get $b)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip)))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $r (i32.add (local.get $r) (local.get $r)))
        (if (i32.lt_s (local.get $b) (i32.const 0))
          (then (local.set $r (i32.add (local.get $r) (local.get $a)))))
        (local.set $b (i32.add (local.get $b) (local.get $b)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $r))

  ;; Unsigned long division; returns the remainder when $want_rem is 1, else the quotient.
  (func $divmod_u (param $a i32) (param $b i32) (param $want_rem i32) (result i32)
    (local $q i32) (local $r i32) (local $n i32) (local $carry i32)
    (if (i32.eqz (local.get $b)) (then (call $trap_div)))
    (local.set $n (i32.const 32))
    (block $go
      (loop $skip
        (br_if $go (i32.eqz (local.get $n)))
        (br_if $go (i32.lt_s (local.get $a) (i32.const 0)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip)))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $carry (i32.lt_s (local.get $r) (i32.const 0)))
        (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
                               (i32.lt_s (local.get $a) (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $q (i32.add (local.get $q) (local.get $q)))
        (if (i32.add (local.get $carry) (i32.ge_u (local.get $r) (local.get $b)))
          (then
            (local.set $r (i32.sub (local.get $r) (local.get $b)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (select (local.get $r) (local.get $q) (local.get $want_rem)))

  (func $div_u (export "div_u") (param $a i32) (param $b i32) (result i32)
    (call $divmod_u (local.get $a) (local.get $b) (i32.const 0)))

  (func $rem_u (export "rem_u") (param $a i32) (param $b i32) (result i32)
    (call $divmod_u (local.get $a) (local.get $b) (i32.const 1)))

  (func $div_s (export "div_s") (param $a i32) (param $b i32) (result i32)
    (local $neg i32) (local $q i32)
    (if (i32.eqz (local.get $b)) (then (call $trap_div)))
    (if (i32.eq (local.get $a) (i32.const 0x80000000))
      (then (if (i32.eq (local.get $b) (i32.const -1)) (then (call $trap_overflow)))))
    (local.set $neg (i32.ne (i32.lt_s (local.get $a) (i32.const 0))
                            (i32.lt_s (local.get $b) (i32.const 0))))
    (if (i32.lt_s (local.get $a) (i32.const 0))
      (then (local.set $a (i32.sub (i32.const 0) (local.get $a)))))
    (if (i32.lt_s (local.get $b) (i32.const 0))
      (then (local.set $b (i32.sub (i32.const 0) (local.get $b)))))
    (local.set $q (call $divmod_u (local.get $a) (local.get $b) (i32.const 0)))
    (select (i32.sub (i32.const 0) (local.get $q)) (local.get $q) (local.get $neg)))

  (func $rem_s (export "rem_s") (param $a i32) (param $b i32) (result i32)
    (local $neg i32) (local $r i32)
    (if (i32.eqz (local.get $b)) (then (call $trap_div)))
    (local.set $neg (i32.lt_s (local.get $a) (i32.const 0)))
    (if (local.get $neg) (then (local.set $a (i32.sub (i32.const 0) (local.get $a)))))
    (if (i32.lt_s (local.get $b) (i32.const 0))
      (then (local.set $b (i32.sub (i32.const 0) (local.get $b)))))
    (local.set $r (call $divmod_u (local.get $a) (local.get $b) (i32.const 1)))
    (select (i32.sub (i32.const 0) (local.get $r)) (local.get $r) (local.get $neg)))

  ;; Bitwise logic, one bit pair per iteration: x and y are the two top bits (0 or 1).
  (func $and (export "and") (param $a i32) (param $b i32) (result i32)
    (local $r i32) (local $n i32)
    (local.set $n (i32.const 32))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.eq (i32.add (i32.lt_s (local.get $a) (i32.const 0))
                         (i32.lt_s (local.get $b) (i32.const 0))) (i32.const 2))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $r))

  (func $or (export "or") (param $a i32) (param $b i32) (result i32)
    (local $r i32) (local $n i32)
    (local.set $n (i32.const 32))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.ne (i32.add (i32.lt_s (local.get $a) (i32.const 0))
                         (i32.lt_s (local.get $b) (i32.const 0))) (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $r))

  (func $xor (export "xor") (param $a i32) (param $b i32) (result i32)
    (local $r i32) (local $n i32)
    (local.set $n (i32.const 32))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.ne (i32.lt_s (local.get $a) (i32.const 0))
                (i32.lt_s (local.get $b) (i32.const 0)))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $r))

  ;; k mod 32: shift out the high 27 bits, then read the remaining 5.
  (func $low5 (param $k i32) (result i32)
    (local $r i32) (local $n i32)
    (if (i32.lt_u (local.get $k) (i32.const 32)) (then (return (local.get $k))))
    (local.set $n (i32.const 27))
    (loop $shift
      (local.set $k (i32.add (local.get $k) (local.get $k)))
      (br_if $shift (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.set $n (i32.const 5))
    (loop $read
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
                             (i32.lt_s (local.get $k) (i32.const 0))))
      (local.set $k (i32.add (local.get $k) (local.get $k)))
      (br_if $read (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $r))

  (func $shl (export "shl") (param $a i32) (param $k i32) (result i32)
    (local $n i32)
    (local.set $n (call $low5 (local.get $k)))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))

  ;; Shift right: keep the top 32 - s bits of a, starting from 0 (logical) or the sign.
  (func $shr (param $a i32) (param $k i32) (param $r i32) (result i32)
    (local $n i32)
    (local.set $n (i32.sub (i32.const 32) (call $low5 (local.get $k))))
    (if (i32.eq (local.get $n) (i32.const 32)) (then (return (local.get $a))))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
                             (i32.lt_s (local.get $a) (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $r))

  (func $shr_u (export "shr_u") (param $a i32) (param $k i32) (result i32)
    (call $shr (local.get $a) (local.get $k) (i32.const 0)))

  (func $shr_s (export "shr_s") (param $a i32) (param $k i32) (result i32)
    (call $shr (local.get $a) (local.get $k)
      (i32.sub (i32.const 0) (i32.lt_s (local.get $a) (i32.const 0)))))

  (func $rotl (export "rotl") (param $a i32) (param $k i32) (result i32)
    (local $n i32)
    (local.set $n (call $low5 (local.get $k)))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $a (i32.add (i32.add (local.get $a) (local.get $a))
                               (i32.lt_s (local.get $a) (i32.const 0))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))

  (func $rotr (export "rotr") (param $a i32) (param $k i32) (result i32)
    (call $rotl (local.get $a) (i32.sub (i32.const 32) (call $low5 (local.get $k)))))

  (func $clz (export "clz") (param $a i32) (result i32)
    (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.lt_s (local.get $a) (i32.const 0)))
        (br_if $end (i32.eq (local.get $n) (i32.const 32)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Trailing zeros: a becomes 0 after exactly 32 - ctz(a) doublings.
  (func $ctz (export "ctz") (param $a i32) (result i32)
    (local $n i32)
    (local.set $n (i32.const 32))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $a)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $popcnt (export "popcnt") (param $a i32) (result i32)
    (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $a)))
        (local.set $n (i32.add (local.get $n) (i32.lt_s (local.get $a) (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (br $next)))
    (local.get $n))
)
