"""Lowered i64 operations, call_indirect and memory.grow against wasmtime, mostly by simulation.

The i64 modules apply one operation to a table of operands in the data segment and print the
result bytes, so one simulated run checks many operand values. Operands and results pass
through i64 loads, stores, parameters and results as well. A few programs
run through the native engine, which checks the lowered code on the real model.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import wasmtime

from hullvm import native
from hullvm.pipeline import prepare, run_program
from hullvm.spectest import SpecRunner
from hullvm.reference import run_reference
from hullvm.wasm.simulate import simulate

MASK64 = (1 << 64) - 1
INT64_MIN = 1 << 63
EDGE64 = [0, 1, 2, 3, 7, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000,
          0x100000001, 0x1FFFFFFFF, 0x123456789ABCDEF0, 0x7FFFFFFFFFFFFFFF, INT64_MIN,
          INT64_MIN + 1, MASK64 - 1, MASK64, 0xFFFFFFFF00000000, 0x00000000FFFFFFFE << 8,
          0xDEADBEEFCAFEBABE, 10, 1000000007]
SHIFT_COUNTS = [0, 1, 2, 7, 8, 31, 32, 33, 40, 63, 64, 65, 127, MASK64, 0x100000001]
BINARY64 = ["i64.add", "i64.sub", "i64.mul", "i64.div_u", "i64.rem_u", "i64.div_s",
            "i64.rem_s", "i64.and", "i64.or", "i64.xor"]
SHIFTS64 = ["i64.shl", "i64.shr_u", "i64.shr_s", "i64.rotl", "i64.rotr"]
COMPARES64 = ["i64.eq", "i64.ne", "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u", "i64.le_s",
              "i64.le_u", "i64.ge_s", "i64.ge_u"]
UNARY64 = ["i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s",
           "i64.extend32_s"]
DIVISIONS = ("i64.div_u", "i64.rem_u", "i64.div_s", "i64.rem_s")


def _escaped(data: bytes) -> str:
    return "".join(f"\\{byte:02x}" for byte in data)


def _table_module(body: str, params: list[str], result: str, rows: list[tuple[int, ...]],
                  constant: int | None = None) -> bytes:
    """A module that applies `body` to each row of operands and prints the result bytes.

    Operands are read with i64.load (or i32.load for i32 parameters) and results are stored
    with i64.store, so results of type i32 are widened with i64.extend_i32_u first.
    """
    widths = [8 if t == "i64" else 4 for t in params]
    row_bytes = sum(widths)
    data = b"".join(struct.pack("<Q" if w == 8 else "<I", value & (MASK64 if w == 8 else 0xFFFFFFFF))
                    for row in rows for value, w in zip(row, widths))
    loads, offset = "", 0
    for t, w in zip(params, widths):
        loads += f"({t}.load offset={offset} (local.get $p))"
        offset += w
    gets = "".join(f"(local.get {i})" for i in range(len(params)))
    if constant is not None:
        gets += f"(i64.const {constant - (1 << 64) if constant >> 63 else constant})"
    widen = "(i64.extend_i32_u)" if result == "i32" else ""
    results = 32768
    text = f"""(module
      (import "hullvm" "putchar" (func $putchar (param i32)))
      (memory 1)
      (data (i32.const 0) "{_escaped(data)}")
      (func $op (param {' '.join(params)}) (result {result}) {gets} {body})
      (func (export "_start") (result i32) (local $i i32) (local $p i32)
        (loop $each
          (local.set $p (i32.mul (local.get $i) (i32.const {row_bytes})))
          (i64.store offset={results} (i32.mul (local.get $i) (i32.const 8))
                     (call $op {loads}) {widen})
          (br_if $each (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                 (i32.const {len(rows)}))))
        (local.set $i (i32.const 0))
        (loop $print
          (call $putchar (i32.load8_u offset={results} (local.get $i)))
          (br_if $print (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (i32.const {8 * len(rows)}))))
        (i32.const 0)))"""
    return bytes(wasmtime.wat2wasm(text))


def _assert_same(wasm: bytes, max_steps: int | None = 20_000_000) -> None:
    expected = run_reference(wasm)
    result = simulate(prepare(wasm), max_steps=max_steps)
    assert result.trap == expected.trap
    assert result.output == expected.output
    assert result.exit_code == expected.exit_code


def _traps(operation: str, a: int, b: int) -> bool:
    if operation in DIVISIONS and b == 0:
        return True
    return operation == "i64.div_s" and a == INT64_MIN and b == MASK64


@pytest.mark.parametrize("operation", BINARY64)
def test_binary_matches_wasmtime(operation):
    pairs = [(a, b) for a in EDGE64 for b in EDGE64 if not _traps(operation, a, b)]
    _assert_same(_table_module(f"({operation})", ["i64", "i64"], "i64", pairs))


@pytest.mark.parametrize("operation", SHIFTS64)
def test_shift_matches_wasmtime(operation):
    pairs = [(a, k) for a in EDGE64 for k in SHIFT_COUNTS]
    _assert_same(_table_module(f"({operation})", ["i64", "i64"], "i64", pairs))


@pytest.mark.parametrize("operation", SHIFTS64 + ["i64.and", "i64.or", "i64.xor"])
def test_constant_operand_matches_wasmtime(operation):
    constants = SHIFT_COUNTS if operation in SHIFTS64 else EDGE64
    for k in constants:
        _assert_same(_table_module(f"({operation})", ["i64"], "i64", [(a,) for a in EDGE64],
                                   constant=k))


@pytest.mark.parametrize("operation", COMPARES64)
def test_comparison_matches_wasmtime(operation):
    pairs = [(a, b) for a in EDGE64 for b in EDGE64]
    _assert_same(_table_module(f"({operation})", ["i64", "i64"], "i32", pairs))


@pytest.mark.parametrize("operation", UNARY64 + ["i64.eqz"])
def test_unary_matches_wasmtime(operation):
    result = "i32" if operation == "i64.eqz" else "i64"
    _assert_same(_table_module(f"({operation})", ["i64"], result, [(a,) for a in EDGE64]))


@pytest.mark.parametrize("body,params,result", [
    ("(i32.wrap_i64)", ["i64"], "i32"),
    ("(i64.extend_i32_s)", ["i32"], "i64"),
    ("(i64.extend_i32_u)", ["i32"], "i64"),
    ("(i32.extend8_s)", ["i32"], "i32"),
    ("(i32.extend16_s)", ["i32"], "i32"),
])
def test_conversion_matches_wasmtime(body, params, result):
    values = EDGE64 if params == ["i64"] else sorted({v & 0xFFFFFFFF for v in EDGE64})
    _assert_same(_table_module(body, params, result, [(a,) for a in values]))


@pytest.mark.parametrize("operation", DIVISIONS)
def test_division_by_zero_traps(operation):
    wasm = _table_module(f"({operation})", ["i64", "i64"], "i64", [(5, 1), (7, 0)])
    assert run_reference(wasm).trap == "integer divide by zero"
    _assert_same(wasm)


@pytest.mark.parametrize("operation,trap", [("i64.div_s", "integer overflow"),
                                            ("i64.rem_s", None)])
def test_int64_min_by_minus_one(operation, trap):
    wasm = _table_module(f"({operation})", ["i64", "i64"], "i64", [(INT64_MIN, MASK64)])
    assert run_reference(wasm).trap == trap
    _assert_same(wasm)


def _program(body: str, extra: str = "", memory: str = "(memory 1)") -> bytes:
    text = f"""(module
      (import "hullvm" "putchar" (func $putchar (param i32)))
      {memory}
      {extra}
      (func $print (param $v i32)
        (call $putchar (i32.add (i32.const 48) (local.get $v))))
      (func (export "_start") (result i32) {body}))"""
    return bytes(wasmtime.wat2wasm(text))


TABLE = """
  (type $binary (func (param i32 i32) (result i32)))
  (type $wide (func (param i64) (result i64)))
  (table 6 funcref)
  (elem (i32.const 0) $add $sub $twice $add)
  (elem (i32.const 5) $putchar)
  (func $add (type $binary) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binary) (i32.sub (local.get 0) (local.get 1)))
  (func $twice (type $wide) (i64.add (local.get 0) (local.get 0)))
"""


@pytest.mark.parametrize("index,trap", [(0, None), (1, None), (3, None), (2, "type mismatch"),
                                        (4, "uninitialized element"), (6, "undefined element"),
                                        (-1, "undefined element")])
def test_call_indirect_matches_wasmtime(index, trap):
    body = f"""(call $print (call_indirect (type $binary) (i32.const 7) (i32.const 2)
                                             (i32.const {index})))
               (i32.const 0)"""
    wasm = _program(body, TABLE)
    expected = run_reference(wasm)
    result = simulate(prepare(wasm))
    assert result.output == expected.output
    if trap is None:
        assert expected.trap is None
        assert result.trap is None
        assert result.exit_code == 0
    else:
        # A null entry traps as an "uninitialized element", an index past the table as an
        # "undefined element", in the machine as in wasmtime.
        assert trap in expected.trap
        assert trap in result.trap


def test_call_indirect_i64_and_import():
    body = """(call_indirect (type $wide) (i64.const 0x180000001) (i32.const 2))
              (i64.const 0x300000002) (i64.eq)
              (call_indirect (param i32) (i32.const 17) (i32.const 5))
              (call $putchar (i32.const 10))"""
    wasm = _program(body, TABLE)
    _assert_same(wasm)
    assert run_reference(wasm).exit_code == 1


def test_call_indirect_cost_bounded_by_table():
    # Each table entry before the matching one adds one CASE step; $add and $sub take the
    # same number of steps.
    steps = {}
    for index in (0, 1, 3):
        wasm = _program(f"""(call_indirect (type $binary) (i32.const 7) (i32.const 2)
                                             (i32.const {index}))""", TABLE)
        steps[index] = simulate(prepare(wasm)).steps
    assert steps[1] - steps[0] == 1
    assert steps[3] - steps[0] == 3


GROW = """(call $print (memory.size))
          (call $print (memory.grow (i32.const 2)))
          (call $print (memory.size))
          (i32.store (i32.const 0x2FFFC) (i32.const 0x01020304))
          (call $print (i32.load8_u (i32.const 0x2FFFC)))
          (i64.store (i32.const 0x2FFF8) (i64.const 0x0102030405060708))
          (call $print (i32.wrap_i64 (i64.load (i32.const 0x2FFF8))))
          (call $print (i32.load8_u (i32.const 0x1FFFF)))
          (call $print (i32.add (i32.const 1) (memory.grow (i32.const 0x10000))))
          (call $print (memory.grow (i32.const 0)))
          (call $print (memory.size))
          (call $print (i32.add (i32.const 1) (memory.grow (i32.const 5))))
          (call $print (memory.grow (i32.const 1)))
          (call $print (memory.size))"""


def test_memory_grow_matches_wasmtime():
    _assert_same(_program(GROW + "(i32.const 0)", memory="(memory 1 4)"))


def test_memory_grow_fails_past_machine_limit():
    body = """(call $print (i32.add (i32.const 1) (memory.grow (i32.const 64))))
              (call $print (i32.add (i32.const 1) (memory.grow (i32.const 62))))
              (call $print (i32.add (i32.const 1) (memory.grow (i32.const 1))))
              (call $print (memory.size)) (i32.const 0)"""
    wasm = _program(body)
    # wasmtime grows up to 4 GiB, so the machine's results are checked on their own. The
    # machine's 4 MiB address space has room for 63 pages next to the globals and scratch words:
    # growing by 64 fails (-1), by 62 returns the old size 1, then by 1 more fails.
    result = simulate(prepare(wasm))
    assert result.output == bytes([ord("0"), ord("2"), ord("0"), ord("0") + 63])
    assert result.trap is None


@pytest.mark.parametrize("access", [
    "(drop (i32.load (i32.const 0x10000)))",
    "(drop (i32.load offset=0xFFFD (i32.const 0)))",
    "(drop (i64.load (i32.const 0xFFFC)))",
    "(drop (i32.load8_u (i32.const -1)))",
    "(i32.store (i32.const 0xFFFE) (i32.const 1))",
    "(i64.store8 (i32.const 0x10000) (i64.const 1))",
    "(i64.store (i32.const 0xFFF9) (i64.const -1))",
])
def test_grown_memory_bounds_trap(access):
    # The module can grow, so the check is against the current size of 1 page, not the
    # largest one.
    body = f"(drop (memory.grow (i32.const 0))) {access} (i32.const 0)"
    wasm = _program(body, memory="(memory 1 3)")
    expected = run_reference(wasm)
    assert expected.trap == "out of bounds memory access"
    _assert_same(wasm)


def test_grown_memory_store_trap_keeps_memory():
    body = """(drop (memory.grow (i32.const 0)))
              (i64.store (i32.const 0xFFFC) (i64.const -1))"""
    wasm = _program(body + "(i32.const 0)", memory="(memory 1 3)")
    _assert_same(wasm)


def test_float_function_loads_and_traps_when_run():
    extra = "(func $f (param f64) (result f64) (call $print (i32.const 1)) (local.get 0))"
    idle = _program("(call $print (i32.const 2)) (i32.const 0)", extra=extra)
    _assert_same(idle)
    called = _program("(drop (call $f (f64.const 1))) (i32.const 0)", extra=extra)
    result = simulate(prepare(called))
    assert result.trap == "floating point instruction executed"
    assert result.output == b""


def test_float_conversions_of_i64_trap_as_floats():
    wasm = _program("""(drop (f64.convert_i64_s (i64.const 1)))
                       (drop (i64.trunc_f32_s (f32.const 1))) (i32.const 0)""")
    result = simulate(prepare(wasm))
    assert result.trap == "floating point instruction executed"


# ---- runs through the model (native engine) -----------------------------------------------------

needs_native = pytest.mark.skipif(not native.available(), reason="the C++ engine is not built")
WAST_DIR = Path(__file__).resolve().parent / "wast"


@needs_native
@pytest.mark.parametrize("name", ["i64.wast", "call_indirect.wast"])
def test_wast_through_native_model(name):
    report = SpecRunner(engine="native").run_file(WAST_DIR / name)
    failures = [(o.line, o.reason) for o in report.outcomes if o.status == "failed"]
    assert failures == []
    assert report.count("skipped") == 0


@needs_native
@pytest.mark.parametrize("operation", ["i64.mul", "i64.div_s", "i64.rotl", "i64.lt_s"])
def test_native_model_matches_simulator(operation):
    result = "i32" if operation == "i64.lt_s" else "i64"
    rows = [(0x123456789ABCDEF0, 0xFEDCBA987), (INT64_MIN + 5, 33), (MASK64, 7)]
    wasm = _table_module(f"({operation})", ["i64", "i64"], result, rows)
    program = prepare(wasm)
    simulated = simulate(program, keep_tokens=True)
    by_model = run_program(program, engine="native", keep_tokens=True,
                           max_tokens=simulated.tokens + 10)
    assert by_model.tokens == simulated.trace
    assert by_model.trace.output == run_reference(wasm).output
