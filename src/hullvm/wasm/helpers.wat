;; i32 operations the machine has no circuit for, written with the ones it has: add, sub,
;; comparisons, locals and branches. Bits are read most significant first with (x <s 0) and
;; shifted out with x + x, so every loop runs at most 32 times whatever the operand values.
;;
;; Shifts and masks by a constant (i32.shl x 8, i32.and x 31, ...) are lowered to short
;; straight-line code (wasm/constops.py), so the helpers use them to skip whole bytes. The
;; and, or and xor helpers use none of them, because an i32.and with a constant that has no
;; sequence calls the and helper.
;;
;; The i64 helpers take each i64 operand as two i32 words, low word first, return the low
;; word of the result and leave its high word in $result_hi. The lowering places
;; $result_hi at the address of the program's own high-word global (wasm/split64.py).
(module
  (import "hullvm" "trap_div" (func $trap_div))
  (import "hullvm" "trap_overflow" (func $trap_overflow))
  (global $result_hi (mut i32) (i32.const 0))

  ;; a * b mod 2**32: the unsigned smaller operand is the multiplier b. Its leading zero bytes
  ;; and bits are skipped, then each remaining bit doubles r and adds a when it is set.
  (func $mul (export "mul") (param $a i32) (param $b i32) (result i32)
    (local $r i32) (local $n i32)
    (if (i32.lt_u (local.get $a) (local.get $b))
      (then
        (local.set $r (local.get $a))
        (local.set $a (local.get $b))
        (local.set $b (local.get $r))
        (local.set $r (i32.const 0))))
    (if (i32.eqz (local.get $b)) (then (return (i32.const 0))))
    (local.set $n (i32.const 32))
    (block $bytes_done
      (loop $skip_byte
        (br_if $bytes_done (i32.ge_u (local.get $b) (i32.const 0x01000000)))
        (local.set $b (i32.shl (local.get $b) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $skip_byte)))
    (block $bits_done
      (loop $skip_bit
        (br_if $bits_done (i32.lt_s (local.get $b) (i32.const 0)))
        (local.set $b (i32.add (local.get $b) (local.get $b)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip_bit)))
    (loop $next
      (local.set $r (i32.add (local.get $r) (local.get $r)))
      (if (i32.lt_s (local.get $b) (i32.const 0))
        (then (local.set $r (i32.add (local.get $r) (local.get $a)))))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $r))

  ;; Unsigned long division; returns the remainder when $want_rem is 1, else the quotient.
  ;; The quotient bits enter a from the right as the dividend bits leave it on the left.
  (func $divmod_u (param $a i32) (param $b i32) (param $want_rem i32) (result i32)
    (local $r i32) (local $n i32) (local $fits i32)
    (if (i32.eqz (local.get $b)) (then (call $trap_div)))
    ;; A divisor of 2**31 or more goes into a at most once.
    (if (i32.lt_s (local.get $b) (i32.const 0))
      (then
        (local.set $fits (i32.ge_u (local.get $a) (local.get $b)))
        (return (select
          (i32.sub (local.get $a) (select (local.get $b) (i32.const 0) (local.get $fits)))
          (local.get $fits)
          (local.get $want_rem)))))
    (if (i32.eqz (local.get $a)) (then (return (i32.const 0))))
    (local.set $n (i32.const 32))
    (block $bytes_done
      (loop $skip_byte
        (br_if $bytes_done (i32.ge_u (local.get $a) (i32.const 0x01000000)))
        (local.set $a (i32.shl (local.get $a) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $skip_byte)))
    (block $bits_done
      (loop $skip_bit
        (br_if $bits_done (i32.lt_s (local.get $a) (i32.const 0)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip_bit)))
    ;; r < b < 2**31, so r + r + 1 does not wrap.
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
                             (i32.lt_s (local.get $a) (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (if (i32.ge_u (local.get $r) (local.get $b))
        (then
          (local.set $r (i32.sub (local.get $r) (local.get $b)))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (select (local.get $r) (local.get $a) (local.get $want_rem)))

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

  ;; INT_MIN % -1 is 0: |INT_MIN| is 2**31 unsigned and -1 divides it.
  (func $rem_s (export "rem_s") (param $a i32) (param $b i32) (result i32)
    (local $neg i32) (local $r i32)
    (if (i32.eqz (local.get $b)) (then (call $trap_div)))
    (local.set $neg (i32.lt_s (local.get $a) (i32.const 0)))
    (if (local.get $neg) (then (local.set $a (i32.sub (i32.const 0) (local.get $a)))))
    (if (i32.lt_s (local.get $b) (i32.const 0))
      (then (local.set $b (i32.sub (i32.const 0) (local.get $b)))))
    (local.set $r (call $divmod_u (local.get $a) (local.get $b) (i32.const 1)))
    (select (i32.sub (i32.const 0) (local.get $r)) (local.get $r) (local.get $neg)))

  ;; Bitwise logic, one bit pair per step, two steps per loop iteration. r starts as 1, a
  ;; marker bit that reaches bit 30 after 30 result bits; the last two bits follow the loop.
  ;; The top bit of a AND b is the top bit of min_u(a, b), of a OR b that of max_u(a, b), and
  ;; a XOR b has its top bit set when signed and unsigned a < b disagree.
  (func $and (export "and") (param $a i32) (param $b i32) (result i32)
    (local $r i32)
    (local.set $r (i32.const 1))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.lt_s (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b)))
                  (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.lt_s (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b)))
                  (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (i32.lt_u (local.get $r) (i32.const 0x40000000))))
    (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
      (i32.lt_s (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b)))
                (i32.const 0))))
    (local.set $a (i32.add (local.get $a) (local.get $a)))
    (local.set $b (i32.add (local.get $b) (local.get $b)))
    (i32.add (i32.add (local.get $r) (local.get $r))
      (i32.lt_s (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b)))
                (i32.const 0))))

  (func $or (export "or") (param $a i32) (param $b i32) (result i32)
    (local $r i32)
    (local.set $r (i32.const 1))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.lt_s (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b)))
                  (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.lt_s (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b)))
                  (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (i32.lt_u (local.get $r) (i32.const 0x40000000))))
    (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
      (i32.lt_s (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b)))
                (i32.const 0))))
    (local.set $a (i32.add (local.get $a) (local.get $a)))
    (local.set $b (i32.add (local.get $b) (local.get $b)))
    (i32.add (i32.add (local.get $r) (local.get $r))
      (i32.lt_s (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b)))
                (i32.const 0))))

  (func $xor (export "xor") (param $a i32) (param $b i32) (result i32)
    (local $r i32)
    (local.set $r (i32.const 1))
    (loop $next
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.ne (i32.lt_s (local.get $a) (local.get $b)) (i32.lt_u (local.get $a) (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
        (i32.ne (i32.lt_s (local.get $a) (local.get $b)) (i32.lt_u (local.get $a) (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (i32.lt_u (local.get $r) (i32.const 0x40000000))))
    (local.set $r (i32.add (i32.add (local.get $r) (local.get $r))
      (i32.ne (i32.lt_s (local.get $a) (local.get $b)) (i32.lt_u (local.get $a) (local.get $b)))))
    (local.set $a (i32.add (local.get $a) (local.get $a)))
    (local.set $b (i32.add (local.get $b) (local.get $b)))
    (i32.add (i32.add (local.get $r) (local.get $r))
      (i32.ne (i32.lt_s (local.get $a) (local.get $b)) (i32.lt_u (local.get $a) (local.get $b)))))

  ;; a << (k mod 32): whole bytes first, then single bits.
  (func $shl (export "shl") (param $a i32) (param $k i32) (result i32)
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then (local.set $k (i32.and (local.get $k) (i32.const 31)))))
    (block $bytes_done
      (loop $byte
        (br_if $bytes_done (i32.lt_u (local.get $k) (i32.const 8)))
        (local.set $a (i32.shl (local.get $a) (i32.const 8)))
        (local.set $k (i32.sub (local.get $k) (i32.const 8)))
        (br $byte)))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $k)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $next)))
    (local.get $a))

  ;; a >>u (k mod 32): whole bytes first, then the remaining 0..7 bits by a constant shift.
  (func $shr_u (export "shr_u") (param $a i32) (param $k i32) (result i32)
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then (local.set $k (i32.and (local.get $k) (i32.const 31)))))
    (block $bytes_done
      (loop $byte
        (br_if $bytes_done (i32.lt_u (local.get $k) (i32.const 8)))
        (local.set $a (i32.shr_u (local.get $a) (i32.const 8)))
        (local.set $k (i32.sub (local.get $k) (i32.const 8)))
        (br $byte)))
    (block $k7 (block $k6 (block $k5 (block $k4 (block $k3 (block $k2 (block $k1 (block $k0
      (br_table $k0 $k1 $k2 $k3 $k4 $k5 $k6 $k7 (local.get $k)))
      (return (local.get $a)))
      (return (i32.shr_u (local.get $a) (i32.const 1))))
      (return (i32.shr_u (local.get $a) (i32.const 2))))
      (return (i32.shr_u (local.get $a) (i32.const 3))))
      (return (i32.shr_u (local.get $a) (i32.const 4))))
      (return (i32.shr_u (local.get $a) (i32.const 5))))
      (return (i32.shr_u (local.get $a) (i32.const 6))))
    (i32.shr_u (local.get $a) (i32.const 7)))

  ;; x >>s k == ((x + 2**31) >>u k) - (2**31 >>u k), with the sums taken mod 2**32.
  (func $shr_s (export "shr_s") (param $a i32) (param $k i32) (result i32)
    (i32.sub (call $shr_u (i32.add (local.get $a) (i32.const 0x80000000)) (local.get $k))
             (call $shr_u (i32.const 0x80000000) (local.get $k))))

  (func $rotl (export "rotl") (param $a i32) (param $k i32) (result i32)
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then (local.set $k (i32.and (local.get $k) (i32.const 31)))))
    (if (i32.eqz (local.get $k)) (then (return (local.get $a))))
    (i32.add (call $shl (local.get $a) (local.get $k))
             (call $shr_u (local.get $a) (i32.sub (i32.const 32) (local.get $k)))))

  (func $rotr (export "rotr") (param $a i32) (param $k i32) (result i32)
    (call $rotl (local.get $a) (i32.sub (i32.const 32) (i32.and (local.get $k) (i32.const 31)))))

  ;; Leading zeros: whole zero bytes first, then single bits.
  (func $clz (export "clz") (param $a i32) (result i32)
    (local $n i32)
    (if (i32.eqz (local.get $a)) (then (return (i32.const 32))))
    (block $bytes_done
      (loop $byte
        (br_if $bytes_done (i32.ge_u (local.get $a) (i32.const 0x01000000)))
        (local.set $a (i32.shl (local.get $a) (i32.const 8)))
        (local.set $n (i32.add (local.get $n) (i32.const 8)))
        (br $byte)))
    (block $end
      (loop $next
        (br_if $end (i32.lt_s (local.get $a) (i32.const 0)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Trailing zeros: a becomes 0 after exactly 32 - ctz(a) doublings, counted a byte at a time
  ;; while a << 8 is not 0, then a bit at a time.
  (func $ctz (export "ctz") (param $a i32) (result i32)
    (local $n i32) (local $shifted i32)
    (local.set $n (i32.const 32))
    (block $bytes_done
      (loop $byte
        (br_if $bytes_done (i32.eqz (local.tee $shifted (i32.shl (local.get $a) (i32.const 8)))))
        (local.set $a (local.get $shifted))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $byte)))
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $a)))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Set bits, most significant first, stopping when no set bit is left.
  (func $popcnt (export "popcnt") (param $a i32) (result i32)
    (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (local.get $a)))
        (local.set $n (i32.add (local.get $n) (i32.lt_s (local.get $a) (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (local.get $a)))
        (br $next)))
    (local.get $n))

  ;; ---- i64 operations on (low, high) word pairs -------------------------------------------

  ;; The 64-bit product of two unsigned words. The smaller one is the multiplier: its leading
  ;; zero bytes and bits are skipped, then each remaining bit doubles the 64-bit sum and adds a.
  (func $mul_wide (param $a i32) (param $b i32) (result i32)
    (local $lo i32) (local $hi i32) (local $n i32)
    (if (i32.lt_u (local.get $a) (local.get $b))
      (then
        (local.set $lo (local.get $a))
        (local.set $a (local.get $b))
        (local.set $b (local.get $lo))
        (local.set $lo (i32.const 0))))
    (global.set $result_hi (i32.const 0))
    (if (i32.eqz (local.get $b)) (then (return (i32.const 0))))
    (local.set $n (i32.const 32))
    (block $bytes_done
      (loop $skip_byte
        (br_if $bytes_done (i32.ge_u (local.get $b) (i32.const 0x01000000)))
        (local.set $b (i32.shl (local.get $b) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $skip_byte)))
    (block $bits_done
      (loop $skip_bit
        (br_if $bits_done (i32.lt_s (local.get $b) (i32.const 0)))
        (local.set $b (i32.add (local.get $b) (local.get $b)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip_bit)))
    (loop $next
      (local.set $hi (i32.add (i32.add (local.get $hi) (local.get $hi))
                              (i32.lt_s (local.get $lo) (i32.const 0))))
      (local.set $lo (i32.add (local.get $lo) (local.get $lo)))
      (if (i32.lt_s (local.get $b) (i32.const 0))
        (then
          (local.set $lo (i32.add (local.get $lo) (local.get $a)))
          (local.set $hi (i32.add (local.get $hi) (i32.lt_u (local.get $lo) (local.get $a))))))
      (local.set $b (i32.add (local.get $b) (local.get $b)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (global.set $result_hi (local.get $hi))
    (local.get $lo))

  ;; a * b mod 2**64 = wide(a_lo * b_lo) + ((a_lo * b_hi + a_hi * b_lo) << 32).
  (func $mul64 (export "mul64")
    (param $alo i32) (param $ahi i32) (param $blo i32) (param $bhi i32) (result i32)
    (local $lo i32) (local $hi i32)
    (local.set $lo (call $mul_wide (local.get $alo) (local.get $blo)))
    (local.set $hi (global.get $result_hi))
    (global.set $result_hi
      (i32.add (local.get $hi)
               (i32.add (i32.mul (local.get $alo) (local.get $bhi))
                        (i32.mul (local.get $ahi) (local.get $blo)))))
    (local.get $lo))

  ;; Unsigned 64-bit long division; returns the remainder when $want_rem is 1, else the
  ;; quotient. The quotient bits enter a from the right as the dividend bits leave it on the
  ;; left, at most 64 iterations.
  (func $divmod64_u
    (param $alo i32) (param $ahi i32) (param $blo i32) (param $bhi i32) (param $want_rem i32)
    (result i32)
    (local $rlo i32) (local $rhi i32) (local $n i32) (local $fits i32)
    (if (i32.eqz (local.get $bhi))
      (then
        (if (i32.eqz (local.get $blo)) (then (call $trap_div)))
        ;; Both operands fit in 32 bits.
        (if (i32.eqz (local.get $ahi))
          (then
            (global.set $result_hi (i32.const 0))
            (return (call $divmod_u (local.get $alo) (local.get $blo) (local.get $want_rem)))))))
    ;; A divisor of 2**63 or more goes into a at most once.
    (if (i32.lt_s (local.get $bhi) (i32.const 0))
      (then
        (local.set $fits (select (i32.ge_u (local.get $alo) (local.get $blo))
                                 (i32.gt_u (local.get $ahi) (local.get $bhi))
                                 (i32.eq (local.get $ahi) (local.get $bhi))))
        (if (i32.eqz (local.get $want_rem))
          (then
            (global.set $result_hi (i32.const 0))
            (return (local.get $fits))))
        (if (local.get $fits)
          (then
            (local.set $ahi (i32.sub (i32.sub (local.get $ahi) (local.get $bhi))
                                     (i32.lt_u (local.get $alo) (local.get $blo))))
            (local.set $alo (i32.sub (local.get $alo) (local.get $blo)))))
        (global.set $result_hi (local.get $ahi))
        (return (local.get $alo))))
    (if (i32.eqz (local.get $ahi))
      (then
        (if (i32.eqz (local.get $alo))
          (then
            (global.set $result_hi (i32.const 0))
            (return (i32.const 0))))))
    (local.set $n (i32.const 64))
    (if (i32.eqz (local.get $ahi))
      (then
        (local.set $ahi (local.get $alo))
        (local.set $alo (i32.const 0))
        (local.set $n (i32.const 32))))
    (block $bytes_done
      (loop $skip_byte
        (br_if $bytes_done (i32.ge_u (local.get $ahi) (i32.const 0x01000000)))
        (local.set $ahi (i32.add (i32.shl (local.get $ahi) (i32.const 8))
                                 (i32.shr_u (local.get $alo) (i32.const 24))))
        (local.set $alo (i32.shl (local.get $alo) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $skip_byte)))
    (block $bits_done
      (loop $skip_bit
        (br_if $bits_done (i32.lt_s (local.get $ahi) (i32.const 0)))
        (local.set $ahi (i32.add (i32.add (local.get $ahi) (local.get $ahi))
                                 (i32.lt_s (local.get $alo) (i32.const 0))))
        (local.set $alo (i32.add (local.get $alo) (local.get $alo)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $skip_bit)))
    ;; r < b < 2**63, so 2r + 1 does not wrap.
    (loop $next
      (local.set $rhi (i32.add (i32.add (local.get $rhi) (local.get $rhi))
                               (i32.lt_s (local.get $rlo) (i32.const 0))))
      (local.set $rlo (i32.add (i32.add (local.get $rlo) (local.get $rlo))
                               (i32.lt_s (local.get $ahi) (i32.const 0))))
      (local.set $ahi (i32.add (i32.add (local.get $ahi) (local.get $ahi))
                               (i32.lt_s (local.get $alo) (i32.const 0))))
      (local.set $alo (i32.add (local.get $alo) (local.get $alo)))
      (if (select (i32.ge_u (local.get $rlo) (local.get $blo))
                  (i32.gt_u (local.get $rhi) (local.get $bhi))
                  (i32.eq (local.get $rhi) (local.get $bhi)))
        (then
          (local.set $rhi (i32.sub (i32.sub (local.get $rhi) (local.get $bhi))
                                   (i32.lt_u (local.get $rlo) (local.get $blo))))
          (local.set $rlo (i32.sub (local.get $rlo) (local.get $blo)))
          (local.set $alo (i32.add (local.get $alo) (i32.const 1)))))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (global.set $result_hi (select (local.get $rhi) (local.get $ahi) (local.get $want_rem)))
    (select (local.get $rlo) (local.get $alo) (local.get $want_rem)))

  (func $div64_u (export "div64_u")
    (param $alo i32) (param $ahi i32) (param $blo i32) (param $bhi i32) (result i32)
    (call $divmod64_u (local.get $alo) (local.get $ahi) (local.get $blo) (local.get $bhi)
                      (i32.const 0)))

  (func $rem64_u (export "rem64_u")
    (param $alo i32) (param $ahi i32) (param $blo i32) (param $bhi i32) (result i32)
    (call $divmod64_u (local.get $alo) (local.get $ahi) (local.get $blo) (local.get $bhi)
                      (i32.const 1)))

  ;; Negates the pair (lo, $result_hi) in place; returns the new low word.
  (func $negate_result (param $lo i32) (result i32)
    (global.set $result_hi (i32.sub (i32.sub (i32.const 0) (global.get $result_hi))
                                    (i32.ne (local.get $lo) (i32.const 0))))
    (i32.sub (i32.const 0) (local.get $lo)))

  ;; Signed division truncates toward zero: divide the magnitudes, then negate the quotient
  ;; when the signs differ. INT64_MIN has itself as its magnitude, 2**63 when read unsigned.
  (func $div64_s (export "div64_s")
    (param $alo i32) (param $ahi i32) (param $blo i32) (param $bhi i32) (result i32)
    (local $neg i32) (local $q i32)
    (if (i32.eqz (local.get $bhi))
      (then (if (i32.eqz (local.get $blo)) (then (call $trap_div)))))
    (if (i32.eq (local.get $ahi) (i32.const 0x80000000))
      (then (if (i32.eqz (local.get $alo))
        (then (if (i32.eq (local.get $bhi) (i32.const -1))
          (then (if (i32.eq (local.get $blo) (i32.const -1))
            (then (call $trap_overflow)))))))))
    (local.set $neg (i32.ne (i32.lt_s (local.get $ahi) (i32.const 0))
                            (i32.lt_s (local.get $bhi) (i32.const 0))))
    (if (i32.lt_s (local.get $ahi) (i32.const 0))
      (then
        (local.set $ahi (i32.sub (i32.sub (i32.const 0) (local.get $ahi))
                                 (i32.ne (local.get $alo) (i32.const 0))))
        (local.set $alo (i32.sub (i32.const 0) (local.get $alo)))))
    (if (i32.lt_s (local.get $bhi) (i32.const 0))
      (then
        (local.set $bhi (i32.sub (i32.sub (i32.const 0) (local.get $bhi))
                                 (i32.ne (local.get $blo) (i32.const 0))))
        (local.set $blo (i32.sub (i32.const 0) (local.get $blo)))))
    (local.set $q (call $divmod64_u (local.get $alo) (local.get $ahi) (local.get $blo)
                                    (local.get $bhi) (i32.const 0)))
    (if (local.get $neg) (then (return (call $negate_result (local.get $q)))))
    (local.get $q))

  ;; The remainder takes the sign of the dividend; INT64_MIN % -1 is 0.
  (func $rem64_s (export "rem64_s")
    (param $alo i32) (param $ahi i32) (param $blo i32) (param $bhi i32) (result i32)
    (local $neg i32) (local $r i32)
    (if (i32.eqz (local.get $bhi))
      (then (if (i32.eqz (local.get $blo)) (then (call $trap_div)))))
    (local.set $neg (i32.lt_s (local.get $ahi) (i32.const 0)))
    (if (local.get $neg)
      (then
        (local.set $ahi (i32.sub (i32.sub (i32.const 0) (local.get $ahi))
                                 (i32.ne (local.get $alo) (i32.const 0))))
        (local.set $alo (i32.sub (i32.const 0) (local.get $alo)))))
    (if (i32.lt_s (local.get $bhi) (i32.const 0))
      (then
        (local.set $bhi (i32.sub (i32.sub (i32.const 0) (local.get $bhi))
                                 (i32.ne (local.get $blo) (i32.const 0))))
        (local.set $blo (i32.sub (i32.const 0) (local.get $blo)))))
    (local.set $r (call $divmod64_u (local.get $alo) (local.get $ahi) (local.get $blo)
                                    (local.get $bhi) (i32.const 1)))
    (if (local.get $neg) (then (return (call $negate_result (local.get $r)))))
    (local.get $r))

  ;; Shifts and rotates by k mod 64; the high word of the count is ignored, as in i64.shl.
  (func $shl64 (export "shl64")
    (param $lo i32) (param $hi i32) (param $k i32) (param $khi i32) (result i32)
    (local.set $k (i32.and (local.get $k) (i32.const 63)))
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then
        (global.set $result_hi (call $shl (local.get $lo) (i32.sub (local.get $k) (i32.const 32))))
        (return (i32.const 0))))
    (if (i32.eqz (local.get $k))
      (then
        (global.set $result_hi (local.get $hi))
        (return (local.get $lo))))
    (global.set $result_hi
      (i32.add (call $shl (local.get $hi) (local.get $k))
               (call $shr_u (local.get $lo) (i32.sub (i32.const 32) (local.get $k)))))
    (call $shl (local.get $lo) (local.get $k)))

  (func $shr64_u (export "shr64_u")
    (param $lo i32) (param $hi i32) (param $k i32) (param $khi i32) (result i32)
    (local.set $k (i32.and (local.get $k) (i32.const 63)))
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then
        (global.set $result_hi (i32.const 0))
        (return (call $shr_u (local.get $hi) (i32.sub (local.get $k) (i32.const 32))))))
    (if (i32.eqz (local.get $k))
      (then
        (global.set $result_hi (local.get $hi))
        (return (local.get $lo))))
    (global.set $result_hi (call $shr_u (local.get $hi) (local.get $k)))
    (i32.add (call $shr_u (local.get $lo) (local.get $k))
             (call $shl (local.get $hi) (i32.sub (i32.const 32) (local.get $k)))))

  (func $shr64_s (export "shr64_s")
    (param $lo i32) (param $hi i32) (param $k i32) (param $khi i32) (result i32)
    (local.set $k (i32.and (local.get $k) (i32.const 63)))
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then
        (global.set $result_hi (i32.shr_s (local.get $hi) (i32.const 31)))
        (return (call $shr_s (local.get $hi) (i32.sub (local.get $k) (i32.const 32))))))
    (if (i32.eqz (local.get $k))
      (then
        (global.set $result_hi (local.get $hi))
        (return (local.get $lo))))
    (global.set $result_hi (call $shr_s (local.get $hi) (local.get $k)))
    (i32.add (call $shr_u (local.get $lo) (local.get $k))
             (call $shl (local.get $hi) (i32.sub (i32.const 32) (local.get $k)))))

  (func $rotl64 (export "rotl64")
    (param $lo i32) (param $hi i32) (param $k i32) (param $khi i32) (result i32)
    (local $t i32)
    (local.set $k (i32.and (local.get $k) (i32.const 63)))
    (if (i32.ge_u (local.get $k) (i32.const 32))
      (then
        (local.set $t (local.get $lo))
        (local.set $lo (local.get $hi))
        (local.set $hi (local.get $t))
        (local.set $k (i32.sub (local.get $k) (i32.const 32)))))
    (if (i32.eqz (local.get $k))
      (then
        (global.set $result_hi (local.get $hi))
        (return (local.get $lo))))
    (global.set $result_hi
      (i32.add (call $shl (local.get $hi) (local.get $k))
               (call $shr_u (local.get $lo) (i32.sub (i32.const 32) (local.get $k)))))
    (i32.add (call $shl (local.get $lo) (local.get $k))
             (call $shr_u (local.get $hi) (i32.sub (i32.const 32) (local.get $k)))))

  (func $rotr64 (export "rotr64")
    (param $lo i32) (param $hi i32) (param $k i32) (param $khi i32) (result i32)
    (call $rotl64 (local.get $lo) (local.get $hi)
                  (i32.sub (i32.const 64) (i32.and (local.get $k) (i32.const 63)))
                  (i32.const 0)))
)
