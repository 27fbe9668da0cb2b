"""`hullvm spectest`: the script reader, the harness runs and the counts it reports.

Runs through the model use the graph evaluator on short programs. The full tests/wast files
run through the PyTorch model only in the slow tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from hullvm.cli.main import EXIT_ERROR, main
from hullvm.spectest import ScriptError, SpecRunner, parse_script, read_script
from hullvm.spectest.reader import Atom, List, String
from hullvm.spectest.runner import load_module

WAST_DIR = Path(__file__).resolve().parent / "wast"
WAST_FILES = sorted(WAST_DIR.glob("*.wast"))

ADD_MODULE = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
"""


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["spectest", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def outcomes_by_line(report) -> dict[int, tuple[str, str]]:
    return {outcome.line: (outcome.status, outcome.reason) for outcome in report.outcomes}


def write_script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.wast"
    path.write_text(text)
    return path


# ---- reader and parser ---------------------------------------------------------------------------


def test_reader_skips_nested_block_comments():
    nodes = read_script("(; outer (; inner ;) still comment ;) (a) ;; line comment (b)\n(c)")
    assert [node.head() for node in nodes] == ["a", "c"]


def test_reader_string_escapes():
    (node,) = read_script(r'(x "a\n\t\"\\\'\41\ff\u{263a}")')
    string = node.items[1]
    assert isinstance(string, String)
    assert string.value == b"a\n\t\"\\'A\xff" + "\u263a".encode()


def test_reader_comment_and_parens_inside_string():
    (node,) = read_script('(x "(; not a comment ;) ;; nor this )" y)')
    assert isinstance(node.items[1], String)
    assert node.items[1].value == b"(; not a comment ;) ;; nor this )"
    assert isinstance(node.items[2], Atom)
    assert node.items[2].text == "y"


def test_reader_atom_ends_at_line_comment():
    (node,) = read_script("(x $name;; comment )\n)")
    assert [item.text for item in node.items] == ["x", "$name"]


def test_reader_records_lines():
    nodes = read_script("\n\n(a\n  (b))\n(; two\nlines ;)\n(c)")
    assert nodes[0].line == 3
    assert isinstance(nodes[0].items[1], List)
    assert nodes[0].items[1].line == 4
    assert nodes[1].line == 7


@pytest.mark.parametrize("text, line, words", [
    ("(a\n(b)", 1, "never closed"),
    ("(a)\n)", 2, "unexpected ')'"),
    ('(a\n "open)', 2, "string is never closed"),
    ("(a) (; open", 1, "block comment"),
    (r'(a "\q")', 1, "invalid escape"),
])
def test_reader_errors_name_line(text, line, words):
    with pytest.raises(ScriptError) as raised:
        read_script(text)
    assert str(raised.value).startswith(f"line {line}: ")
    assert words in str(raised.value)


def test_parse_keeps_module_text_as_written():
    script = ('(module $m (; note ;) (func (export "f") (result i32) (i32.const 1)))\n'
              '(register "m" $m)')
    module_command, register = parse_script(script)
    assert module_command.module.kind == "text"
    assert module_command.module.name == "$m"
    assert module_command.module.text == script.split("\n")[0]
    assert register.register_as == "m"
    assert register.register_module == "$m"


def test_parse_binary_and_quote_modules():
    binary, quote = parse_script(
        '(module binary "\\00asm" "\\01\\00\\00\\00")\n(module $q quote "(func" ")")')
    assert binary.module.kind == "binary"
    assert binary.module.data == b"\x00asm\x01\x00\x00\x00"
    assert quote.module.kind == "quote"
    assert quote.module.name == "$q"
    assert quote.module.text == "(module (func ))"


def test_parse_assertions_and_constants():
    commands = parse_script("""
        (assert_return (invoke $m "f" (i32.const -1) (i32.const 0x8000_0000) (i64.const -1))
                       (i32.const 4_294_967_295))
        (assert_return (invoke "g") (f32.const nan:canonical))
        (assert_trap (invoke "h") "integer overflow")
        (assert_trap (module (func)) "unreachable")
        (assert_invalid (module (func (result i32))) "type mismatch")
        (assert_return (get "glob") (i32.const 0))
        (invoke "h" (i32.const +7))
    """)
    kinds = [command.kind for command in commands]
    assert kinds == ["assert_return", "assert_return", "assert_trap", "assert_trap",
                     "assert_invalid", "assert_return", "invoke"]
    first = commands[0]
    assert first.action.module == "$m"
    assert [arg.value for arg in first.action.args] == [0xFFFFFFFF, 0x80000000, (1 << 64) - 1]
    assert first.expected[0].value == 0xFFFFFFFF
    assert commands[1].expected[0].type == "f32"
    assert commands[1].expected[0].value is None
    assert commands[2].message == "integer overflow"
    assert commands[3].module is not None
    assert commands[3].action is None
    assert commands[5].action.kind == "get"
    assert commands[6].action.args[0].value == 7


@pytest.mark.parametrize("literal", ["0x1_0000_0000", "-2147483649", "12a", "0x", "--1", ""])
def test_parse_rejects_bad_i32_literal(literal):
    with pytest.raises(ScriptError, match="line 1"):
        parse_script(f'(assert_return (invoke "f" (i32.const {literal})))')


def test_parse_rejects_nan_pattern_argument():
    with pytest.raises(ScriptError, match="only in expected results"):
        parse_script('(invoke "f" (f32.const nan:canonical))')


# ---- the script files under tests/wast -------------------------------------------------------


def _wasmtime_result(instance, store, command):
    export = instance.exports(store)[command.action.name]
    if command.action.kind == "get":
        return export.value(store)
    args = []
    for arg in command.action.args:
        bits = 32 if arg.type == "i32" else 64
        args.append(arg.value - (1 << bits) if arg.value >= 1 << (bits - 1) else arg.value)
    return export(store, *args)


@pytest.mark.parametrize("path", WAST_FILES, ids=lambda path: path.name)
def test_wast_expectations_agree_with_wasmtime(path):
    """Every integer assert_return and assert_trap of our scripts is true under wasmtime."""
    engine = wasmtime.Engine()
    i32 = wasmtime.ValType.i32()
    # One store for the script, so that registered modules can be linked.
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    linker.define_func("spectest", "print_i32", wasmtime.FuncType([i32], []),
                       lambda value: None)
    linker.define_func("spectest", "print", wasmtime.FuncType([], []), lambda: None)
    instances: dict[str | None, tuple] = {}
    checked = 0
    for command in parse_script(path.read_text()):
        if command.kind == "register":
            target = instances.get(command.register_module)
            if target is not None:
                linker.define_instance(store, command.register_as, target[0])
            continue
        if command.kind == "module":
            try:
                load_module(command.module)
            except Exception:
                instances[None] = None
                continue
            source = command.module
            wasm = source.data if source.kind == "binary" else wasmtime.wat2wasm(source.text)
            try:
                instance = (linker.instantiate(store, wasmtime.Module(engine, wasm)), store)
            except wasmtime.WasmtimeError:
                instance = None  # an import the linker lacks: skipped by the runner as well
            instances[None] = instance
            if source.name:
                instances[source.name] = instance
            continue
        if command.action is None or command.kind not in ("invoke", "assert_return",
                                                         "assert_trap"):
            continue
        values = [*command.action.args, *command.expected]
        target = instances.get(command.action.module)
        if target is None or any(value.value is None for value in values):
            continue
        instance, store = target
        try:
            result = _wasmtime_result(instance, store, command)
        except wasmtime.Trap as trap:
            assert command.kind == "assert_trap", f"line {command.line}: {trap.message}"
            assert command.message in trap.message, f"line {command.line}"
            checked += 1
            continue
        assert command.kind != "assert_trap", f"line {command.line}: no trap"
        if command.kind == "assert_return":
            expected = command.expected[0].value if command.expected else None
            got = None if result is None else result & ((1 << 64) - 1 if isinstance(
                result, int) and command.expected[0].type == "i64" else 0xFFFFFFFF)
            assert got == expected, f"line {command.line}"
            checked += 1
    assert checked or path.name == "validation.wast"


def test_validation_script_rejects_every_module():
    report = SpecRunner(engine="graph").run_file(WAST_DIR / "validation.wast")
    assert report.count("failed") == 0
    assert report.count("passed") == 24
    assert report.programs == 0
    skips = report.skip_groups()
    assert list(skips.values()) == [[47]]
    assert "text parser" in next(iter(skips))


# ---- runs through the graph evaluator --------------------------------------------------------


def test_wrong_expected_value_counts_as_failed(tmp_path):
    path = write_script(tmp_path, ADD_MODULE + """
(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 5))
(assert_return (invoke "add" (i32.const 2) (i32.const 3)) (i32.const 6))
(assert_trap (invoke "add" (i32.const 2) (i32.const 3)) "unreachable")
""")
    report = SpecRunner(engine="graph").run_file(path)
    outcomes = outcomes_by_line(report)
    assert outcomes[4] == ("passed", "")
    assert outcomes[5] == ("failed", "returned 0x00000005, expected 0x00000006")
    assert outcomes[6] == ("failed", 'returned 0x00000005, expected the trap "unreachable"')
    assert report.count("failed") == 2


def test_trap_kind_is_compared(tmp_path):
    path = write_script(tmp_path, """(module
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow")
""")
    outcomes = outcomes_by_line(SpecRunner(engine="graph").run_file(path))
    assert outcomes[3] == ("passed", "")
    assert outcomes[4] == ("failed", 'trapped with "integer divide by zero", expected '
                                     '"integer overflow"')


def test_token_limit_counts_as_failed(tmp_path):
    path = write_script(tmp_path, """(module (func (export "spin") (loop (br 0))))
(assert_return (invoke "spin"))
""")
    report = SpecRunner(engine="graph", max_tokens=200).run_file(path)
    assert outcomes_by_line(report)[2] == ("failed", "token limit")


def test_skips_carry_reasons():
    report = SpecRunner(engine="graph").run_file(WAST_DIR / "unsupported.wast")
    outcomes = outcomes_by_line(report)
    assert report.count("failed") == 0
    for line in (9, 10, 11):
        assert outcomes[line] == ("skipped", "float")
    assert outcomes[13] == ("passed", "")
    assert "import env.f" in outcomes[19][1]
    assert outcomes[24][1].startswith("assert_exhaustion")
    assert outcomes[26][1].startswith("assert_unlinkable")
    assert outcomes[31] == ("passed", "")
    assert "start function" in outcomes[32][1]
    # A float function in the table stops only the calls that reach it.
    assert outcomes[50] == ("passed", "")
    assert outcomes[51] == ("passed", "")
    assert outcomes[52] == ("skipped", "float")
    assert outcomes[53] == ("passed", "")


def test_state_is_replayed_across_assertions():
    report = SpecRunner(engine="graph").run_file(WAST_DIR / "globals.wast")
    assert report.count("failed") == 0
    assert report.count("skipped") == 0
    assert report.count("passed") == 12


def test_trapping_call_with_state_skips_later_assertions(tmp_path):
    path = write_script(tmp_path, """(module
  (global $g (mut i32) (i32.const 0))
  (func (export "set-then-trap") (global.set $g (i32.const 1)) (unreachable))
  (func (export "get") (result i32) (global.get $g)))
(assert_trap (invoke "set-then-trap") "unreachable")
(assert_return (invoke "get") (i32.const 1))
""")
    outcomes = outcomes_by_line(SpecRunner(engine="graph").run_file(path))
    assert outcomes[5] == ("passed", "")
    assert outcomes[6][0] == "skipped"
    assert "trapping call" in outcomes[6][1]


def test_trap_safe_store_float_call_and_linking():
    report = SpecRunner(engine="graph").run_file(WAST_DIR / "replay.wast")
    outcomes = outcomes_by_line(report)
    assert report.count("failed") == 0
    # A trapping store wrapper keeps the state: the assertions after it still run.
    for line in (13, 14, 16, 17, 18, 31, 32):
        assert outcomes[line] == ("passed", "")
    assert outcomes[33] == ("skipped", "float")
    assert "float or other non-integer" in outcomes[34][1]
    assert outcomes[48] == ("passed", "")
    assert "imports functions from this module" in outcomes[50][1]
    assert outcomes[57] == ("passed", "")
    assert "which imports from this module" in outcomes[64][1]


def test_invalid_script_module_accepted_counts_as_failed(tmp_path):
    path = write_script(tmp_path, '(assert_invalid (module (func)) "type mismatch")\n')
    report = SpecRunner(engine="graph").run_file(path)
    assert outcomes_by_line(report)[1] == (
        "failed", 'hullvm accepted a module the script marks invalid ("type mismatch")')


def test_missing_export_fails(tmp_path):
    path = write_script(tmp_path, ADD_MODULE + '(assert_return (invoke "sub"))\n')
    status, reason = outcomes_by_line(SpecRunner(engine="graph").run_file(path))[3]
    assert status == "failed"
    assert 'no exported func "sub"' in reason


# ---- the command line ------------------------------------------------------------------------


def test_cli_prints_failures_skips_and_summary(capsys, tmp_path):
    path = write_script(tmp_path, ADD_MODULE + """
(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 2))
(assert_return (invoke "add" (f32.const 1) (i32.const 1)) (i32.const 2))
(assert_exhaustion (invoke "add" (i32.const 1) (i32.const 1)) "call stack exhausted")
""")
    code, out, err = run_cli(capsys, str(path), "--engine", "graph")
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == f"{path}:4: FAIL assert_return (invoke \"add\" (i32.const 1) " \
                       f"(i32.const 1)) (i32.const 3): returned 0x00000002, expected 0x00000003"
    assert lines[1] == f"{path}: SKIP 1 (line 6): float"
    assert lines[2].startswith(f"{path}: SKIP 1 (line 7): assert_exhaustion")
    assert lines[-1] == "passed 1, failed 1, skipped 2"
    assert "engine graph" in err


def test_cli_exit_zero_when_nothing_fails(capsys, tmp_path):
    path = write_script(tmp_path, ADD_MODULE + (
        '(assert_return (invoke "add" (i32.const -1) (i32.const 1)) (i32.const 0))\n'))
    code, out, _ = run_cli(capsys, str(path), "--engine", "graph")
    assert code == 0
    assert out.splitlines()[-1] == "passed 1, failed 0, skipped 0"


def test_cli_missing_file_is_error(capsys, tmp_path):
    code, out, err = run_cli(capsys, str(tmp_path / "absent.wast"))
    assert code == EXIT_ERROR
    assert out == ""
    assert err == f"hullvm: error: script file not found: {tmp_path / 'absent.wast'}\n"


def test_cli_unparsable_script_is_error(capsys, tmp_path):
    path = write_script(tmp_path, ADD_MODULE + '(assert_return (invoke "add"\n')
    code, out, err = run_cli(capsys, str(path), "--engine", "graph")
    assert code == EXIT_ERROR
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "line 3: '(' is never closed" in err
    assert "Traceback" not in err


def test_cli_rejects_zero_max_tokens(capsys, tmp_path):
    path = write_script(tmp_path, ADD_MODULE)
    with pytest.raises(SystemExit):
        main(["spectest", str(path), "--max-tokens", "0"])
    assert "--max-tokens" in capsys.readouterr().err


# ---- full scripts through the PyTorch model --------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("path", WAST_FILES, ids=lambda path: path.name)
def test_wast_file_through_torch_model(path):
    report = SpecRunner(engine="torch").run_file(path)
    failures = [(o.line, o.reason) for o in report.outcomes if o.status == "failed"]
    assert failures == []
    assert report.count("passed") > 0
