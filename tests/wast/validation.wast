;; Modules that hullvm's decoder or validator must reject.

(assert_invalid (module (func (result i32) (i64.const 1))) "type mismatch")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_invalid (module (func (i32.add (i32.const 1)) (drop))) "type mismatch")
(assert_invalid (module (func (drop (local.get 0)))) "unknown local")
(assert_invalid (module (func (param i32) (local.set 1 (i32.const 0)))) "unknown local")
(assert_invalid (module (func (call 5))) "unknown function")
(assert_invalid (module (func (br 1))) "unknown label")
(assert_invalid (module (func (drop (global.get 0)))) "unknown global")
(assert_invalid
  (module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))
  "global is immutable")
(assert_invalid (module (func (drop (i32.load (i32.const 0))))) "unknown memory")
(assert_invalid
  (module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))
  "alignment must not be larger than natural")
(assert_invalid
  (module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1)))))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (select (i32.const 1) (i64.const 1) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (func (result i32)
    (block $a (result i32) (block $b (br_table $a $b (i32.const 1) (i32.const 0))))))
  "type mismatch")
(assert_invalid
  (module (func $f (param i32)) (start $f))
  "start function")
(assert_invalid
  (module (func $f) (export "a" (func $f)) (export "a" (func $f)))
  "duplicate export name")
(assert_invalid (module (memory 1) (data (i64.const 0) "")) "type mismatch")
(assert_invalid (module (memory 2 1)) "size minimum must not be greater than maximum")

;; Binary modules that fail to decode.
(assert_malformed (module binary "\00asn\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module binary "\00asm\01\00\00\00\01") "unexpected end")
(assert_malformed (module binary "\00asm\01\00\00\00\01\05\01\60\00") "unexpected end")
(assert_malformed (module binary "\00asm\01\00\00\00\7f\00") "malformed section id")
(assert_malformed
  (module binary "\00asm\01\00\00\00\01\09\81\80\80\80\80\00\60\00\00")
  "integer representation too long")
;; A text module with a syntax error tests the text parser only; it is skipped.
(assert_malformed (module quote "(func (i32.const))") "unexpected token")
