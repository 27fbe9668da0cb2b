;; A workload whose instruction mix is the same all along its trace, for measuring how the time
;; per token changes with the trace length alone. Each iteration advances a linear
;; congruential generator in a called function, picks a word of memory from its high bits, and
;; adds the iteration count to that word, so the memory lookups see up to 16,384 addresses.
;; It prints one letter from the first word and a line break.
(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (memory 1)
  (func $next (param $x i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
  (func (export "_start") (result i32)
    (local $x i32) (local $n i32) (local $address i32)
    (local.set $x (i32.const 1))
    (loop $again
      (local.set $x (call $next (local.get $x)))
      (local.set $address (i32.and (i32.shr_u (local.get $x) (i32.const 14)) (i32.const 0xFFFC)))
      (i32.store (local.get $address)
                 (i32.add (i32.load (local.get $address)) (local.get $n)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $n) (i32.const 6000))))
    (call $putchar (i32.add (i32.const 65) (i32.and (i32.load (i32.const 0)) (i32.const 15))))
    (call $putchar (i32.const 10))
    (i32.const 0)))
