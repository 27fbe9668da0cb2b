;; Copy standard input to standard output; exit with the number of bytes copied.
(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (import "hullvm" "getchar" (func $getchar (result i32)))
  (func (export "_start") (result i32) (local $c i32) (local $n i32)
    (block $eof (loop $next
      (local.set $c (call $getchar))
      (br_if $eof (i32.lt_s (local.get $c) (i32.const 0)))
      (call $putchar (local.get $c))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n)))
