;; Features the machine does not run. Each assertion here is skipped with a reason, except
;; where a module mixes them with integer code that the harness can still reach.

(module
  (func (export "addf") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "float-inside") (result i32) (i32.trunc_f32_s (f32.const 2.5)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
)
(assert_return (invoke "addf" (f32.const 1) (f32.const 2)) (f32.const 3))
(assert_return (invoke "addf" (f32.const nan) (f32.const 2)) (f32.const nan:canonical))
(assert_return (invoke "float-inside") (i32.const 2))
;; The i64 function runs, because the harness lowers only the functions the call reaches.
(assert_return (invoke "add64" (i64.const 2) (i64.const 3)) (i64.const 5))

(module
  (import "env" "f" (func $f (result i32)))
  (func (export "call-import") (result i32) (call $f))
)
(assert_return (invoke "call-import") (i32.const 0))

(module
  (func $loop (export "deep") (call $loop))
)
(assert_exhaustion (invoke "deep") "call stack exhausted")

(assert_unlinkable
  (module (import "spectest" "missing" (func)))
  "unknown import")

;; A start function that traps makes instantiation trap; a module without one is skipped.
(assert_trap (module (func $boom (unreachable)) (start $boom)) "unreachable")
(assert_trap
  (module (memory 1) (data (i32.const 65536) "x"))
  "out of bounds memory access")

;; A harness lowers only the table's functions of the called type whose parameters and
;; results are integers; a float function in the same table does not stop the others.
(module
  (type $unary (func (param i32) (result i32)))
  (type $float (func (result f32)))
  (table funcref (elem $inc $one))
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $one (type $float) (f32.const 1))
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect (type $unary) (local.get 1) (local.get 0)))
  (func (export "call-float") (param i32) (result i32)
    (drop (call_indirect (type $float) (local.get 0))) (i32.const 0))
)

(assert_return (invoke "call" (i32.const 0) (i32.const 4)) (i32.const 5))
(assert_trap (invoke "call" (i32.const 1) (i32.const 4)) "indirect call type mismatch")
(assert_return (invoke "call-float" (i32.const 1)) (i32.const 0))
(assert_trap (invoke "call-float" (i32.const 0)) "indirect call type mismatch")
