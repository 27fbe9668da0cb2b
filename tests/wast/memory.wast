;; Loads and stores of every width, signed and unsigned, aligned and not, with offsets; data
;; segments; memory.size; and out-of-bounds accesses at the last bytes of memory.

(module
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\80\ff\7f\fe")
  (data (i32.const 65532) "\aa\bb\cc\dd")
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load_off4") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func (export "load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
  (func (export "load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load16_s") (param i32) (result i32) (i32.load16_s (local.get 0)))
  (func (export "load16_u") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func (export "load16_u_off1") (param i32) (result i32) (i32.load16_u offset=1 (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "store_off2") (param i32 i32) (i32.store offset=2 (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
)

(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "load" (i32.const 0)) (i32.const 0x04030201))
(assert_return (invoke "load" (i32.const 1)) (i32.const 0x05040302))
(assert_return (invoke "load" (i32.const 7)) (i32.const 0x7fff8008))
(assert_return (invoke "load_off4" (i32.const 0)) (i32.const 0x08070605))
(assert_return (invoke "load_off4" (i32.const 3)) (i32.const 0x7fff8008))
(assert_return (invoke "load8_s" (i32.const 8)) (i32.const -128))
(assert_return (invoke "load8_u" (i32.const 8)) (i32.const 0x80))
(assert_return (invoke "load8_s" (i32.const 10)) (i32.const 127))
(assert_return (invoke "load8_s" (i32.const 9)) (i32.const -1))
(assert_return (invoke "load16_s" (i32.const 8)) (i32.const 0xffffff80))
(assert_return (invoke "load16_u" (i32.const 8)) (i32.const 0xff80))
(assert_return (invoke "load16_s" (i32.const 10)) (i32.const 0xfffffe7f))
(assert_return (invoke "load16_s" (i32.const 6)) (i32.const 0x0807))
(assert_return (invoke "load16_u" (i32.const 9)) (i32.const 0x7fff))
(assert_return (invoke "load16_u_off1" (i32.const 8)) (i32.const 0x7fff))
(assert_return (invoke "load" (i32.const 100)) (i32.const 0))

;; The last bytes of the single 64 KiB page.
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0xddccbbaa))
(assert_return (invoke "load16_u" (i32.const 65534)) (i32.const 0xddcc))
(assert_return (invoke "load8_u" (i32.const 65535)) (i32.const 0xdd))
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")
(assert_trap (invoke "load16_u" (i32.const 65535)) "out of bounds memory access")
(assert_trap (invoke "load8_s" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load_off4" (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "load" (i32.const -1)) "out of bounds memory access")
(assert_trap (invoke "load_off4" (i32.const 0xfffffffc)) "out of bounds memory access")

;; Stores change the memory that later assertions read.
(invoke "store" (i32.const 200) (i32.const 0x11223344))
(assert_return (invoke "load" (i32.const 200)) (i32.const 0x11223344))
(assert_return (invoke "load8_u" (i32.const 201)) (i32.const 0x33))
(assert_return (invoke "load16_u" (i32.const 202)) (i32.const 0x1122))
(assert_return (invoke "store8" (i32.const 201) (i32.const 0xabcd)))
(assert_return (invoke "load" (i32.const 200)) (i32.const 0x1122cd44))
(assert_return (invoke "store16" (i32.const 203) (i32.const 0x12345678)))
(assert_return (invoke "load" (i32.const 200)) (i32.const 0x7822cd44))
(assert_return (invoke "load8_u" (i32.const 204)) (i32.const 0x56))
(assert_return (invoke "store_off2" (i32.const 299) (i32.const -2)))
(assert_return (invoke "load" (i32.const 301)) (i32.const 0xfffffffe))
(assert_return (invoke "load16_s" (i32.const 301)) (i32.const -2))
(assert_return (invoke "store" (i32.const 65532) (i32.const 0x01020304)))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0x01020304))
(assert_return (invoke "store8" (i32.const 65535) (i32.const 0x99)))
(assert_return (invoke "load8_s" (i32.const 65535)) (i32.const 0xffffff99))

;; Out-of-bounds stores trap. A trapping call ends the replay of this module's state, so these
;; come last.
(assert_trap (invoke "store16" (i32.const 65535) (i32.const 0)) "out of bounds memory access")

;; One module per trapping store, because each trap ends the replay of its module's state.
(module (memory 1) (func (export "f") (param i32) (i32.store (local.get 0) (i32.const 1))))
(assert_trap (invoke "f" (i32.const 65533)) "out of bounds memory access")
(module (memory 1) (func (export "f") (param i32) (i32.store8 (local.get 0) (i32.const 1))))
(assert_trap (invoke "f" (i32.const 65536)) "out of bounds memory access")
(module (memory 1) (func (export "f") (param i32) (i32.store offset=8 (local.get 0) (i32.const 1))))
(assert_trap (invoke "f" (i32.const 65525)) "out of bounds memory access")

;; Two pages, and a module without memory.
(module
  (memory 2)
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "load" (i32.const 131068)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 131069)) "out of bounds memory access")

(module
  (memory 0)
  (func (export "size") (result i32) (memory.size))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
)
(assert_return (invoke "size") (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
