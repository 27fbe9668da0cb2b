(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (memory 1)
  (func (export "_start") (result i32)
    (call $putchar (i32.const 66))
    (i32.load (i32.const 65533))))
