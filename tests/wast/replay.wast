;; How the runner keeps a module's state across assertions. A trapping call of a function
;; with one instruction that changes the state, and nothing after it that can trap, leaves
;; the state as it was. A state-changing call with a float result, and a module that imports
;; from a registered module, make the state unknown, so later assertions on it are skipped.

(module
  (memory 1)
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)

(assert_return (invoke "store" (i32.const 0) (i32.const 7)))
(assert_trap (invoke "store" (i32.const 65534) (i32.const 1)) "out of bounds memory access")
;; The low word fits below the end of memory, the high word does not: nothing is written.
(assert_trap (invoke "store64" (i32.const 65532) (i64.const -1)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 0)) (i32.const 7))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0))

(module
  (memory 1)
  (global $count (mut i32) (i32.const 0))
  (func (export "bump") (global.set $count (i32.add (global.get $count) (i32.const 1))))
  (func (export "count") (result i32) (global.get $count))
  (func (export "set-after-trap") (global.set $count (unreachable)))
  (func (export "store-f32") (result f32) (i32.store (i32.const 16) (i32.const 1)) (f32.const 1))
)

(assert_return (invoke "bump"))
(assert_return (invoke "count") (i32.const 1))
(assert_trap (invoke "set-after-trap") "unreachable")
(assert_return (invoke "count") (i32.const 1))
(assert_return (invoke "store-f32") (f32.const 1))
(assert_return (invoke "count") (i32.const 1))

(module $shared
  (global $count (mut i32) (i32.const 0))
  (func (export "bump") (global.set $count (i32.add (global.get $count) (i32.const 1))))
  (func (export "count") (result i32) (global.get $count))
)
(register "shared" $shared)

(module $caller
  (import "shared" "bump" (func $bump))
  (func (export "bump-twice") (call $bump) (call $bump))
)

(assert_return (invoke $shared "count") (i32.const 0))
(invoke $caller "bump-twice")
(assert_return (invoke $shared "count") (i32.const 2))

(module $owner
  (memory (export "memory") 1)
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(register "owner" $owner)
(assert_return (invoke $owner "load" (i32.const 0)) (i32.const 0))

(module $writer
  (import "owner" "memory" (memory 1))
  (data (i32.const 0) "\2a")
)

(assert_return (invoke $owner "load" (i32.const 0)) (i32.const 42))
