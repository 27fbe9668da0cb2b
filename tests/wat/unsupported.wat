(module
  (func $halve (param f32) (result f32)
    (f32.mul (local.get 0) (f32.const 0.5)))
  (func (export "_start") (result i32)
    (i32.trunc_f32_s (call $halve (f32.const 3)))))
