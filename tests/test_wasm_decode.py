"""Tests for the WebAssembly binary decoder and validator in hullvm.wasm."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from hullvm.errors import WasmDecodeError, WasmValidationError
from hullvm.wasm.binary import decode_module
from hullvm.wasm.module import BranchTarget, FuncType, Instr, Module
from hullvm.wasm.validate import validate_module

HEADER = b"\x00asm\x01\x00\x00\x00"


def leb_u32(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + leb_u32(len(payload)) + payload


def one_function_module(code: bytes) -> bytes:
    """Build a module with one function of type [] -> [] whose body is `code` (no locals)."""
    body = b"\x00" + code
    return (
        HEADER
        + section(1, b"\x01\x60\x00\x00")
        + section(3, b"\x01\x00")
        + section(10, b"\x01" + leb_u32(len(body)) + body)
    )


def load(wat: str) -> Module:
    module = decode_module(wasmtime.wat2wasm(wat))
    validate_module(module)
    return module


def find(body: list[Instr], name: str) -> Instr:
    return next(instr for instr in body if instr.name == name)


# ---- decoding -----------------------------------------------------------------------------------

SMALL_MODULE = """
(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "mem") 1 4)
  (global $counter (mut i32) (i32.const -3))
  (global $pi f64 (f64.const 3.25))
  (global $big i64 (i64.const -9000000000))
  (table 2 funcref)
  (elem (i32.const 1) $add)
  (data (i32.const 16) "hello")
  (func $add (export "add") (param i32 i32) (result i32)
    (local i64 i64 f32)
    local.get 0
    local.get 1
    i32.add)
  (func $main (export "main")
    i32.const 42
    call $log)
  (start $main)
)
"""


def test_decode_small_module_structure() -> None:
    module = load(SMALL_MODULE)
    assert module.types[0] == FuncType(("i32",), ())
    assert [entry.kind for entry in module.imports] == ["func"]
    assert module.imports[0].module == "env"
    assert module.imports[0].name == "log"
    assert module.func_types == [
        FuncType(("i32",), ()),
        FuncType(("i32", "i32"), ("i32",)),
        FuncType((), ()),
    ]
    assert [function.index for function in module.functions] == [1, 2]
    assert module.exports == {"mem": ("memory", 0), "add": ("func", 1), "main": ("func", 2)}
    assert module.start == 2
    assert module.memories == [(1, 4)]
    assert module.tables == [(2, None)]
    assert module.elements == [(0, 1, (1,))]
    assert module.data == [(0, 16, b"hello")]


def test_decode_function_bodies_and_names() -> None:
    module = load(SMALL_MODULE)
    add = module.function(1)
    assert add.name == "add"
    assert add.locals == ("i64", "i64", "f32")
    assert [instr.name for instr in add.body] == ["local.get", "local.get", "i32.add", "end"]
    assert add.body[1].imm == (1,)
    main = module.function(2)
    assert main.body[0].imm == (42,)
    assert main.body[1].imm == (0,)
    # Each offset points at the instruction's opcode byte.
    binary = wasmtime.wat2wasm(SMALL_MODULE)
    assert binary[add.body[2].offset] == 0x6A
    assert binary[main.body[0].offset] == 0x41


def test_decode_global_initializers() -> None:
    module = load(SMALL_MODULE)
    counter, pi, big = module.globals
    assert (counter.type, counter.mutable, counter.init) == ("i32", True, -3)
    assert (pi.type, pi.mutable) == ("f64", False)
    assert pi.init == struct.unpack("<Q", struct.pack("<d", 3.25))[0]
    assert big.init == -9000000000


def test_decode_extension_opcodes_and_memargs() -> None:
    module = load(
        """
        (module
          (memory 1)
          (func (param f32 i32) (result i64)
            local.get 0 i32.trunc_sat_f32_s
            i32.extend8_s
            i64.extend_i32_s i64.extend32_s
            local.get 1 i64.load16_u offset=12 align=1
            i64.add
            local.get 1 f32.const -0.0 f32.store offset=4))
        """
    )
    body = module.functions[0].body
    names = [instr.name for instr in body]
    assert names[1:5] == [
        "i32.trunc_sat_f32_s", "i32.extend8_s", "i64.extend_i32_s", "i64.extend32_s",
    ]  # fmt: skip
    assert find(body, "i64.load16_u").imm == (0, 12)
    assert find(body, "f32.store").imm == (2, 4)
    assert find(body, "f32.const").imm == (0x80000000,)


def test_decode_broken_name_section_is_ignored() -> None:
    binary = bytes(wasmtime.wat2wasm('(module (func (export "f")))'))
    name_payload = leb_u32(4) + b"name" + b"\x01\x10\x01\x00\x09"  # subsection overruns
    module = decode_module(binary + section(0, name_payload))
    assert module.func_names == {0: "f"}


def test_decode_name_section_overrides_exports() -> None:
    module = load('(module (func $internal (export "public")))')
    assert module.func_names == {0: "internal"}
    assert module.functions[0].name == "internal"


# ---- malformed binaries -------------------------------------------------------------------------


def assert_malformed(data: bytes, offset: int, fragment: str) -> None:
    with pytest.raises(WasmDecodeError) as info:
        decode_module(data)
    message = str(info.value)
    assert info.value.offset == offset, message
    assert f"{offset:#x}" in message
    assert fragment in message


def test_malformed_bad_magic() -> None:
    assert_malformed(b"\x00asn\x01\x00\x00\x00", 0, "magic")


def test_malformed_bad_version() -> None:
    assert_malformed(b"\x00asm\x02\x00\x00\x00", 4, "version")


def test_malformed_truncated_leb128() -> None:
    assert_malformed(HEADER + b"\x01\x80", 9, "LEB128")


def test_malformed_overlong_leb128() -> None:
    assert_malformed(HEADER + b"\x01\x80\x80\x80\x80\x80\x00", 9, "longer than 5 bytes")


def test_malformed_leb128_unused_bits() -> None:
    # i32.const whose fifth byte sets bits that neither hold value nor repeat the sign bit.
    data = one_function_module(b"\x41\xff\xff\xff\xff\x70\x1a\x0b")
    assert_malformed(data, len(data) - 7, "integer too large")


def test_malformed_section_overrun() -> None:
    assert_malformed(HEADER + b"\x01\x05\x01\x60", 9, "only 2 remain")


def test_malformed_section_size_mismatch() -> None:
    data = HEADER + b"\x01\x05\x01\x60\x00\x00\x00"
    assert_malformed(data, 14, "declares 5 bytes but its contents end after 4")


def test_malformed_unknown_opcode() -> None:
    data = one_function_module(b"\xff\x0b")
    assert_malformed(data, len(data) - 2, "unknown opcode 0xff")


def test_malformed_unknown_prefixed_opcode() -> None:
    data = one_function_module(b"\xfc\x63\x0b")
    assert_malformed(data, len(data) - 3, "unknown opcode 0xfc 99")


def test_malformed_unknown_section_id() -> None:
    assert_malformed(HEADER + b"\x0d\x00", 8, "unknown section id 13")


def test_malformed_sections_out_of_order() -> None:
    data = HEADER + section(3, b"\x00") + section(1, b"\x00")
    assert_malformed(data, 11, "out of order")


def test_malformed_function_code_count_mismatch() -> None:
    data = HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00") + section(10, b"\x00")
    assert_malformed(data, 20, "code section has 0 bodies")


def test_malformed_body_without_final_end() -> None:
    data = one_function_module(b"\x01")
    assert_malformed(data, len(data), "unexpected end of function 0")


# ---- annotations --------------------------------------------------------------------------------

LOOP_FUNCTION = """
(module
  (func $walk (export "walk") (param $n i32) (result i32)
    (local $acc i32)
    i32.const 7
    block $done (result i32)
      loop $again
        local.get $acc
        local.get $n
        i32.eqz
        br_if $done
        drop
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        local.get $acc
        local.get $n
        i32.add
        local.set $acc
        local.get $n
        br_if $again
        local.get $acc
        br $done
        i32.const 99
        drop
      end
      unreachable
    end
    i32.add))
"""


def test_annotate_loop_heights() -> None:
    body = load(LOOP_FUNCTION).functions[0].body
    heights = [instr.height for instr in body]
    # Body indexes 0..19 run up to `br $done`, 20 and 21 are dead code, and 22..26 are the
    # loop end, unreachable, the block end, i32.add and the function end.
    assert heights[:20] == [0, 1, 1, 1, 2, 3, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 1, 2]
    assert heights[20:] == [None, None, 1, 1, 2, 2, 1]


def test_annotate_loop_branch_targets() -> None:
    body = load(LOOP_FUNCTION).functions[0].body
    assert body[1].name == "block"
    assert body[1].end_index == 24
    assert body[2].name == "loop"
    assert body[2].end_index == 22
    assert body[6].name == "br_if"
    assert body[6].target == BranchTarget(index=24, arity=1, height=1)
    assert body[17].name == "br_if"
    assert body[17].target == BranchTarget(index=2, arity=0, height=1)
    assert body[19].name == "br"
    assert body[19].target == BranchTarget(index=24, arity=1, height=1)


BR_TABLE_FUNCTION = """
(module
  (func $switch (param i32) (result i32)
    i32.const 100
    block $b0
      block $b1
        block $b2
          local.get 0
          br_table $b2 $b1 $b0
        end
        i32.const 10
        return
      end
      i32.const 11
      br 1
    end
    drop
    i32.const 12))
"""


def test_annotate_br_table_targets() -> None:
    body = load(BR_TABLE_FUNCTION).functions[0].body
    assert [instr.height for instr in body] == [0, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 2, 1, 1, 0, 1]
    assert body[5].name == "br_table"
    assert body[5].targets == (
        BranchTarget(index=6, arity=0, height=1),
        BranchTarget(index=9, arity=0, height=1),
        BranchTarget(index=12, arity=0, height=1),
    )
    assert body[8].name == "return"
    assert body[8].target == BranchTarget(index=15, arity=1, height=0)
    assert body[11].name == "br"
    assert body[11].target == BranchTarget(index=15, arity=1, height=0)


def test_annotate_if_else() -> None:
    body = load(
        """
        (module
          (func (param i32) (result i32)
            i32.const 5
            local.get 0
            if (result i32)
              i32.const 1
              local.get 0
              br_if 0
            else
              i32.const 2
            end
            i32.add))
        """
    ).functions[0].body
    assert [instr.name for instr in body] == [
        "i32.const", "local.get", "if", "i32.const", "local.get", "br_if", "else", "i32.const",
        "end", "i32.add", "end",
    ]  # fmt: skip
    assert [instr.height for instr in body] == [0, 1, 2, 1, 2, 3, 2, 1, 2, 2, 1]
    assert body[2].else_index == 6
    assert body[2].end_index == 8
    assert body[6].end_index == 8
    assert body[5].target == BranchTarget(index=8, arity=1, height=1)


def test_annotate_nested_dead_code() -> None:
    body = load(
        """
        (module
          (func (result i32)
            block
              br 0
              block
                i32.const 1
                drop
              end
            end
            i32.const 3))
        """
    ).functions[0].body
    assert [instr.height for instr in body] == [0, 0, None, None, None, None, 0, 0, 1]


# ---- validation ---------------------------------------------------------------------------------


def assert_invalid(wat: str, fragments: list[str], instr_name: str | None = None) -> None:
    module = decode_module(wasmtime.wat2wasm(wat))
    with pytest.raises(WasmValidationError) as info:
        validate_module(module)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    if instr_name is not None:
        instr = find(module.functions[0].body, instr_name)
        assert f"{instr_name} at byte offset {instr.offset:#x}" in message


def test_invalid_type_mismatch() -> None:
    assert_invalid(
        '(module (func $bad (export "bad") (result i32) i32.const 1 i64.const 2 i32.add))',
        [
            'function 0 "bad"',
            "type mismatch: i32.add expects [i32 i32] but the stack has [i32 i64]",
        ],
        "i32.add",
    )


def test_invalid_too_few_operands() -> None:
    assert_invalid(
        "(module (func (result i32) i32.const 1 i32.add))",
        ["function 0:", "i32.add expects [i32 i32] but the stack has [i32]"],
        "i32.add",
    )


def test_invalid_unknown_local() -> None:
    assert_invalid(
        "(module (func $f (param i32) local.get 3 drop))",
        ['function 0 "f"', "unknown local 3"],
        "local.get",
    )


def test_invalid_branch_depth() -> None:
    assert_invalid(
        "(module (func $g block br 2 end))",
        ['function 0 "g"', "unknown label 2"],
        "br",
    )


def test_invalid_global_set_immutable() -> None:
    assert_invalid(
        "(module (global $k i32 (i32.const 1)) (func $set i32.const 2 global.set $k))",
        ['function 0 "set"', "global 0 is immutable"],
        "global.set",
    )


def test_invalid_block_result_left_over() -> None:
    assert_invalid(
        "(module (func block (result i32) i32.const 1 i32.const 2 end drop))",
        ["the end of the block expects [i32] but the stack has [i32 i32]"],
        "end",
    )


def test_invalid_module_level_errors() -> None:
    cases = [
        ('(module (func (export "a")) (func (export "a")))', 'duplicate export name "a"'),
        ("(module (func $s (param i32)) (start $s))", "start function 0"),
        ("(module (global i32 (i64.const 1)))", "constant expression has type i64"),
        ("(module (memory 1) (data (i64.const 0) \"x\"))", "data segment 0"),
        ("(module (memory 70000))", "memory 0 minimum size 70000"),
        ("(module (func i32.const 0 i32.load align=8 drop))", "unknown memory 0"),
        ("(module (memory 1) (func i32.const 0 i32.load align=8 drop))", "natural alignment"),
    ]
    for wat, fragment in cases:
        module = decode_module(wasmtime.wat2wasm(wat))
        with pytest.raises(WasmValidationError, match=fragment):
            validate_module(module)


# Function bodies that wasmtime and validate_module must judge alike. Several exercise the
# stack polymorphism of unreachable code.
AGREEMENT_CASES = [
    "(func (result i32) unreachable i32.add)",
    "(func (result i32) unreachable select)",
    "(func (result i32) unreachable f32.const 1 select)",
    "(func (result i32) unreachable i32.const 1 f32.const 2 i32.const 0 select)",
    "(func (result i32) block (result i32) i32.const 1 br 0 end)",
    "(func (result i32) block (result i32) br 0 end)",
    "(func (result i32) i32.const 1 return i64.const 2)",
    "(func (result i32) i32.const 1 return i64.const 2 i32.add)",
    "(func (param i32) (result i32) local.get 0 if (result i32) i32.const 1 end)",
    "(func (param i32) local.get 0 if i32.const 1 drop end)",
    "(func block (result i32) loop br 0 end end drop)",
    "(func block (result i32) loop (result i32) i32.const 1 br 1 end end drop)",
    "(func (param i32) block block local.get 0 br_table 0 1 end end)",
    "(func (param i32) (result i32) block (result i32) block local.get 0 br_table 0 1 end end)",
    "(func (param i32) block local.get 0 br_if 0 end)",
    "(func (param f32) (result i32) local.get 0 i32.trunc_f32_s)",
    "(func (param f32) (result i32) local.get 0 i64.trunc_f32_s)",
]


def test_validation_agrees_with_wasmtime() -> None:
    engine = wasmtime.Engine()
    for body in AGREEMENT_CASES:
        binary = wasmtime.wat2wasm(f"(module {body})")
        try:
            wasmtime.Module.validate(engine, binary)
            expected_valid = True
        except wasmtime.WasmtimeError:
            expected_valid = False
        module = decode_module(binary)
        try:
            validate_module(module)
            valid = True
        except WasmValidationError:
            valid = False
        assert valid == expected_valid, body


def test_invalid_else_outside_if() -> None:
    data = one_function_module(b"\x02\x40\x05\x0b\x0b")  # block else end end
    with pytest.raises(WasmValidationError, match="else does not belong to an if"):
        validate_module(decode_module(data))


# ---- a module from a real C compiler ------------------------------------------------------------

C_SOURCE = """
static int table[16];
static int fib(int n) {
    int a = 0, b = 1;
    for (int i = 0; i < n; i++) { int t = a + b; a = b; b = t; }
    return a;
}
int main(void) {
    int s = 0;
    for (int i = 0; i < 16; i++) { table[i] = fib(i); s += table[i] * (i & 3 ? 1 : -1); }
    switch (s & 7) {
    case 0: return 3;
    case 1: return s;
    case 2: return 9;
    case 3: return fib(s & 15);
    default: return (int)(s * 0.5);
    }
}
"""


def test_decode_clang_built_module(tmp_path: Path) -> None:
    source = tmp_path / "x.c"
    source.write_text(C_SOURCE)
    output = tmp_path / "x.wasm"
    command = [
        sys.executable, "-m", "ziglang", "cc", "--target=wasm32-freestanding", "-mcpu=mvp",
        "-O2", "-nostdlib", "-Wl,--no-entry", "-Wl,--export=main", str(source), "-o", str(output),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"zig cc is unavailable: {exc}")
    if result.returncode != 0:
        pytest.skip(f"zig cc failed: {result.stderr.strip()[:300]}")
    module = decode_module(output.read_bytes())
    validate_module(module)
    assert module.exports["main"][0] == "func"
    assert module.memories
    for function in module.functions:
        body = function.body
        assert body[-1].name == "end"
        assert body[-1].height == len(function.type.results)
        for instr in body:
            if instr.name in ("br", "br_if", "return"):
                assert instr.target is not None
                assert body[instr.target.index].name in ("end", "loop")
            if instr.name == "br_table":
                assert instr.targets is not None
                assert len(instr.targets) == len(instr.imm[0]) + 1
            if instr.name in ("block", "loop", "if"):
                assert body[instr.end_index].name == "end"


def test_mutated_binaries_never_pass_invalid() -> None:
    # The decoder and validator must raise only their own errors on randomly corrupted modules
    # and must reject everything wasmtime rejects. wasmtime may accept more, because it enables
    # proposals beyond WebAssembly 1.0, such as SIMD and tail calls.
    engine = wasmtime.Engine()
    rng = random.Random(7)
    sources = (SMALL_MODULE, LOOP_FUNCTION, BR_TABLE_FUNCTION)
    bases = [bytes(wasmtime.wat2wasm(wat)) for wat in sources]
    for trial in range(600):
        mutated = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        try:
            wasmtime.Module.validate(engine, bytes(mutated))
            wasmtime_valid = True
        except wasmtime.WasmtimeError:
            wasmtime_valid = False
        try:
            validate_module(decode_module(bytes(mutated)))
            valid = True
        except (WasmDecodeError, WasmValidationError):
            valid = False
        assert wasmtime_valid or not valid, f"trial {trial} accepted {bytes(mutated).hex()}"
