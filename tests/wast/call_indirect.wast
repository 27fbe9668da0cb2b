;; call_indirect through a table filled by element segments: calls of each entry, i64
;; parameters and results, the type mismatch trap, the undefined element trap for an index
;; past the table and the uninitialized element trap for an entry no segment fills; a table
;; with its elements written inline; memory.grow and memory.size.

(module
  (type $unary (func (param i32) (result i32)))
  (type $pair (func (param i64 i64) (result i64)))
  (table 5 funcref)
  (elem (i32.const 0) $inc $dec $add64)
  (elem (i32.const 4) $inc)
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $dec (type $unary) (i32.sub (local.get 0) (i32.const 1)))
  (func $add64 (type $pair) (i64.add (local.get 0) (local.get 1)))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect (type $unary) (local.get 1) (local.get 0)))
  (func (export "call64") (param i32 i64 i64) (result i64)
    (call_indirect (type $pair) (local.get 1) (local.get 2) (local.get 0)))
)

(assert_return (invoke "call" (i32.const 0) (i32.const 41)) (i32.const 42))
(assert_return (invoke "call" (i32.const 1) (i32.const 0)) (i32.const -1))
(assert_return (invoke "call" (i32.const 4) (i32.const 9)) (i32.const 10))
(assert_return (invoke "call64" (i32.const 2) (i64.const 0xffffffff) (i64.const 1)) (i64.const 0x100000000))
(assert_trap (invoke "call" (i32.const 2) (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call64" (i32.const 0) (i64.const 0) (i64.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call" (i32.const 5) (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i32.const -1) (i32.const 0)) "undefined element")
(assert_trap (invoke "call" (i32.const 3) (i32.const 0)) "uninitialized element")

;; wasmtime's assembler writes an inline table's segment with flags 2 (explicit table index).
(module
  (type $value (func (result i32)))
  (table funcref (elem $seven $eight))
  (func $seven (type $value) (i32.const 7))
  (func $eight (type $value) (i32.const 8))
  (func (export "pick") (param i32) (result i32) (call_indirect (type $value) (local.get 0)))
)

(assert_return (invoke "pick" (i32.const 0)) (i32.const 7))
(assert_return (invoke "pick" (i32.const 1)) (i32.const 8))
(assert_trap (invoke "pick" (i32.const 2)) "undefined element")

(module
  (memory 1 3)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
)

(assert_return (invoke "size") (i32.const 1))
(assert_trap (invoke "load" (i32.const 65536)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 0))
(invoke "store" (i32.const 131071) (i32.const 7))
(assert_return (invoke "load" (i32.const 131071)) (i32.const 7))
(assert_trap (invoke "load" (i32.const 131072)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 2)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 2))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3))
(assert_return (invoke "size") (i32.const 3))
