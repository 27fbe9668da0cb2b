;; Contains a float instruction on a path it takes only when given input.
(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (import "hullvm" "getchar" (func $getchar (result i32)))
  (func (export "_start") (result i32)
    (call $putchar (i32.const 70))
    (if (i32.ge_s (call $getchar) (i32.const 0))
      (then (call $putchar (i32.trunc_f32_s (f32.const 66.5)))))
    (i32.const 0)))
