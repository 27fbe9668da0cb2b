;; Float functions, a float local and a float global in a program that never executes a float
;; instruction: it loads and runs, and prints "Ac", "c8" and exits with 3, as under wasmtime.
(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (global $g (mut f64) (f64.const 2.5))
  (func $avg (param f64 f64) (result f64)
    (f64.mul (f64.add (local.get 0) (local.get 1)) (f64.const 0.5)))
  (func $count (param $n i32) (result i32) (local $spare f64)
    (call $putchar (i32.const 99))
    (global.set $g (global.get $g))
    (drop (local.get $spare))
    (i32.add (local.get $n) (i32.const 7)))
  (func (export "_start") (result i32)
    (call $putchar (i32.const 65))
    (if (i32.eqz (call $count (i32.const -7)))
      (then (call $putchar (i32.const 10)))
      (else (drop (call $avg (f64.const 1) (f64.const 2)))))
    (call $putchar (i32.add (i32.const 48) (call $count (i32.const 1))))
    (i32.const 3)))
