;; Globals, named modules, binary modules, the spectest print imports and the replay of state
;; across assertions.

(module $counter
  (global $count (mut i32) (i32.const 0))
  (global $step i32 (i32.const 3))
  (global $low (export "low-global") i32 (i32.const -7))
  (global (export "count") (mut i32) (i32.const 0))
  (func (export "next") (result i32)
    (global.set $count (i32.add (global.get $count) (global.get $step)))
    (global.get $count))
  (func (export "peek") (result i32) (global.get $count))
  (func (export "low") (result i32) (global.get $low))
)

(assert_return (invoke "peek") (i32.const 0))
(assert_return (invoke "next") (i32.const 3))
(invoke "next")
(assert_return (invoke "peek") (i32.const 6))
(assert_return (invoke "next") (i32.const 9))
(assert_return (get "low-global") (i32.const -7))
(assert_return (get $counter "count") (i32.const 0))

;; A second module becomes the current one; the first stays reachable by name.
(module $other
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "print" (func $print))
  (global $g (mut i32) (i32.const 0x12345678))
  (func (export "swap") (param i32) (result i32) (local $old i32)
    (local.set $old (global.get $g))
    (call $print_i32 (local.get 0))
    (call $print)
    (global.set $g (local.get 0))
    (local.get $old))
)
(assert_return (invoke "swap" (i32.const 1)) (i32.const 0x12345678))
(assert_return (invoke "swap" (i32.const 2)) (i32.const 1))
(assert_return (invoke $counter "peek") (i32.const 9))
(assert_return (invoke $other "swap" (i32.const 3)) (i32.const 2))
(register "other" $other)

;; The same module as (func (export "seven") (result i32) (i32.const 7)), in binary.
(module $bin binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7f"
  "\03\02\01\00"
  "\07\09\01\05seven\00\00"
  "\0a\06\01\04\00\41\07\0b")
(assert_return (invoke "seven") (i32.const 7))

;; A start function runs before each assertion's call.
(module
  (global $g (mut i32) (i32.const 1))
  (func $init (global.set $g (i32.const 40)))
  (start $init)
  (func (export "get") (result i32) (i32.add (global.get $g) (i32.const 2)))
)
(assert_return (invoke "get") (i32.const 42))
