;; Recursion to the depth given by the first input byte times 1,000: each level keeps a frame of
;; a parameter and a local, so depth 60,000 needs more stack slots than the machine has.
(module
  (import "hullvm" "getchar" (func $getchar (result i32)))
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (func $down (param $n i32) (result i32) (local $spare i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))
  (func (export "_start") (result i32)
    (call $putchar (i32.const 83))
    (drop (call $down (i32.mul (call $getchar) (i32.const 1000))))
    (call $putchar (i32.const 69))
    (i32.const 0)))
