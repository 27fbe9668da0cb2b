;; Unconditional branches to labels without results, taken with extra values on the operand
;; stack: br out of a block, br_table out of a block, and br back to a loop. Each branch must
;; drop the extra values, so every putchar below prints the value pushed before the block.
(module
  (import "hullvm" "putchar" (func $putchar (param i32)))
  (func (export "_start") (result i32)
    (local $i i32)
    (i32.const 65)
    (block $out
      (i32.const 7)
      (br $out))
    (call $putchar)
    (i32.const 66)
    (block $b (block $a
      (i32.const 8) (i32.const 9)
      (br_table $a $b (i32.const 1))))
    (call $putchar)
    (i32.const 67)
    (block $done
      (loop $again
        (i32.const 10)
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $i) (i32.const 3)))
        (br $again)))
    (call $putchar)
    (call $putchar (i32.const 10))
    (i32.const 0)))
