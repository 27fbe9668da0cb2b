(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (func (export "_start") (result i32)
    (call $putchar (i32.const 67))
    (unreachable)))
