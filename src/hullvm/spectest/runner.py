"""Run a WebAssembly script's assertions through the machine and count the outcomes.

Each assert_return or assert_trap with an action becomes one machine program: the module plus
a harness entry (see `hullvm.wasm.lower.EntryAction`) that calls the exported function with the
constant arguments and halts with its i32 result as the exit status. The HALT step carries all
32 bits of that value, so one result needs no printing. WebAssembly 1.0 functions have at most
one result.

Every program starts from the module's initial state. Calls that can change the state (a store,
global.set or memory.grow in the function or in a function it calls) are kept per module
instance and replayed, in script order, before each later assertion on that instance. A call
that is expected to trap cannot be replayed, so assertions that follow a trapping call of a
state-changing function on the same instance are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import wasmtime

from hullvm.errors import HullvmError, UnsupportedError
from hullvm.spectest.reader import ScriptError
from hullvm.spectest.script import Action, Command, Const, ModuleSource, parse_script
from hullvm.wasm.binary import decode_module
from hullvm.wasm.lower import EntryAction, lower_module
from hullvm.wasm.module import Module
from hullvm.wasm.validate import validate_module

log = logging.getLogger(__name__)

FLOAT = "float"
FLOAT_TRAP = "floating point instruction executed"
TOKEN_LIMIT = "token limit"
# A default per-assertion token limit, so that a program that never halts stops. A helper call
# costs up to a few thousand tokens, so this allows hundreds of them.
DEFAULT_MAX_TOKENS = 500_000
_MUTATING = ("i32.store", "i64.store", "f32.store", "f64.store", "global.set", "memory.grow")


@dataclass
class Outcome:
    """The result of one assertion: 'passed', 'failed' or 'skipped', and why."""

    line: int
    description: str
    status: str
    reason: str = ""


@dataclass
class ScriptReport:
    """Every outcome of one script, and the machine time its programs took."""

    path: Path
    outcomes: list[Outcome] = field(default_factory=list)
    programs: int = 0
    generated_tokens: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def skip_groups(self) -> dict[str, list[int]]:
        """Map each skip reason to the lines of the assertions skipped for it, in order."""
        groups: dict[str, list[int]] = {}
        for outcome in self.outcomes:
            if outcome.status == "skipped":
                groups.setdefault(outcome.reason, []).append(outcome.line)
        return groups


@dataclass
class _Instance:
    """A module of the script and what the harness needs to reproduce its state."""

    line: int
    module: Module | None = None
    error: str = ""  # why assertions on this module are skipped, when it is unusable
    mutating: set[int] = field(default_factory=set)  # functions that can change the state
    history: list[EntryAction] = field(default_factory=list)  # state-changing calls to replay
    lost_state: str = ""  # why the harness cannot reproduce the state any more, once it cannot


@dataclass
class _Run:
    trap: str | None
    value: int | None  # the exit status as an unsigned 32-bit value, after a halt
    stopped: bool  # the token limit cut the run short


class _Skip(Exception):
    """Raised inside an assertion to skip it with the message as the reason."""


class _Fail(Exception):
    """Raised inside an assertion to fail it with the message as the reason."""


def one_line(message: str) -> str:
    """Condense a multi-line error message to its listed problems, or its first line."""
    lines = message.splitlines()
    problems = [line.strip() for line in lines[1:] if line.startswith("  ")]
    return "; ".join(problems) if problems else (lines[0] if lines else message)


class SpecRunner:
    """Run scripts through one engine, loading the model once for all of them.

    `engine` is a name that `hullvm.pipeline.run_program` accepts, or None for its default.
    `max_tokens` limits each assertion's program. `on_outcome` is called with each outcome as
    soon as it is known.
    """

    def __init__(self, *, engine: str | None = None, cache: str = "hull",
                 max_tokens: int | None = DEFAULT_MAX_TOKENS, weights_path: Path | None = None,
                 on_outcome: Callable[[Outcome], None] | None = None) -> None:
        from hullvm.pipeline import default_engine

        self.engine = engine or default_engine()
        self.cache = cache
        self.max_tokens = max_tokens
        self.weights_path = weights_path
        self.on_outcome = on_outcome
        self._engine_arguments: dict | None = None

    def run_file(self, path: Path) -> ScriptReport:
        """Run every command of a script file. Raises ScriptError when it cannot be read."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ScriptError(f"script file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ScriptError(f"cannot read script file {path}: {error}") from None
        try:
            commands = parse_script(text)
        except ScriptError as error:
            raise ScriptError(f"{path}: {error}") from None
        return self.run_commands(commands, Path(path))

    def run_commands(self, commands: list[Command], path: Path) -> ScriptReport:
        """Run parsed commands in order, with the module scoping of the script format."""
        report = ScriptReport(path)
        current: _Instance | None = None
        named: dict[str, _Instance] = {}
        for command in commands:
            if command.kind == "module":
                assert command.module is not None
                current = self._instantiate(command.module)
                if command.module.name:
                    named[command.module.name] = current
                continue
            if command.kind == "register":
                continue  # imports from registered modules are rejected by the lowering
            if command.kind in ("invoke", "get"):
                assert command.action is not None
                self._record_action(self._instance(command, current, named), command.action)
                continue
            outcome = self._assert(command, current, named, report)
            report.outcomes.append(outcome)
            log.info("line %d: %s %s %s", outcome.line, outcome.status, outcome.description,
                     outcome.reason)
            if self.on_outcome is not None:
                self.on_outcome(outcome)
        return report

    # ---- modules -------------------------------------------------------------------------------

    def _instantiate(self, source: ModuleSource) -> _Instance:
        instance = _Instance(source.line)
        try:
            instance.module = load_module(source)
        except _AssembleError as error:
            instance.error = f"module at line {source.line} is not assembled: {error}"
        except HullvmError as error:
            instance.error = f"module at line {source.line} is rejected by hullvm: " \
                             f"{one_line(str(error))}"
        else:
            instance.mutating = _mutating_functions(instance.module)
        return instance

    @staticmethod
    def _instance(command: Command, current: _Instance | None,
                  named: dict[str, _Instance]) -> _Instance:
        name = command.action.module if command.action is not None else None
        if name is not None:
            if name not in named:
                raise ScriptError(f"line {command.line}: no module named {name} is defined "
                                  f"before this command")
            return named[name]
        if current is None:
            raise ScriptError(f"line {command.line}: no module is defined before this command")
        return current

    @staticmethod
    def _record_action(instance: _Instance, action: Action) -> None:
        """Keep a top-level call that can change the state, to replay it later."""
        if instance.module is None or action.kind != "invoke":
            return
        export = instance.module.exports.get(action.name)
        if export is None or export[0] != "func" or export[1] not in instance.mutating:
            return
        step = EntryAction("call", export[1], _int_args(action))
        if len(step.args) != len(action.args):
            instance.lost_state = instance.lost_state or (
                f"follows a call with non-integer arguments that can change the module's "
                f"state (line {action.line})")
        instance.history.append(step)

    # ---- assertions ----------------------------------------------------------------------------

    def _assert(self, command: Command, current: _Instance | None,
                named: dict[str, _Instance], report: ScriptReport) -> Outcome:
        description = _describe(command)
        try:
            status = self._check(command, current, named, report)
        except _Skip as skip:
            return Outcome(command.line, description, "skipped", str(skip))
        except _Fail as fail:
            return Outcome(command.line, description, "failed", str(fail))
        return Outcome(command.line, description, status)

    def _check(self, command: Command, current: _Instance | None,
               named: dict[str, _Instance], report: ScriptReport) -> str:
        kind = command.kind
        if kind in ("assert_return", "assert_trap") and command.action is not None:
            return self._check_action(command, self._instance(command, current, named), report)
        if kind in ("assert_trap", "assert_uninstantiable"):
            return self._check_instantiation_trap(command, report)
        if kind == "assert_invalid":
            return _check_rejected(command.module, "invalid", command.message)
        if kind == "assert_malformed":
            assert command.module is not None
            if command.module.kind != "binary":
                raise _Skip("assert_malformed of a text module: it tests the text parser "
                            "(wasmtime's wat2wasm), not hullvm")
            return _check_rejected(command.module, "malformed", command.message)
        if kind == "assert_exhaustion":
            raise _Skip("assert_exhaustion: the machine has no call stack exhaustion trap")
        if kind == "assert_unlinkable":
            raise _Skip("assert_unlinkable: the machine links no modules, because it provides "
                        "only hullvm's host functions and spectest's print functions")
        raise _Skip(f"command {kind} is not supported")

    def _check_action(self, command: Command, instance: _Instance, report: ScriptReport) -> str:
        action = command.action
        assert action is not None
        if instance.error:
            raise _Skip(instance.error)
        module = instance.module
        assert module is not None
        if command.unsupported_result:
            raise _Skip(f"{command.unsupported_result} is not supported")
        export = module.exports.get(action.name)
        export_kind = "func" if action.kind == "invoke" else "global"
        if export is None or export[0] != export_kind:
            raise _Fail(f"the module at line {instance.line} has no exported {export_kind} "
                        f"\"{action.name}\"")
        if action.kind == "invoke":
            step = EntryAction("call", export[1], _int_args(action))
        else:
            step = EntryAction("global", export[1])
        if instance.lost_state:
            raise _Skip(instance.lost_state)
        history = list(instance.history)
        if step.kind == "call" and step.index in instance.mutating:
            # The call changes the state that later assertions see, whatever its outcome here.
            if command.kind == "assert_trap":
                instance.lost_state = (
                    f"follows a trapping call that can change the module's state (line "
                    f"{command.line}). The harness cannot replay a trapping call")
            elif len(step.args) != len(action.args):
                instance.lost_state = (
                    f"follows a call with non-integer arguments that can change the module's "
                    f"state (line {command.line})")
            else:
                instance.history.append(step)
        _check_value_types([*action.args, *command.expected])
        run = self._execute(module, [*history, step], report)
        if command.kind == "assert_return" and _result_types(module, step) == ("i64",) \
                and run.trap is None and not run.stopped:
            # The exit status carries 32 bits, so a second run returns the high word.
            high = self._execute(module, [*history, replace(step, high=True)], report)
            run = high if high.trap is not None or high.stopped else \
                _Run(None, run.value | high.value << 32, stopped=False)
        if command.kind == "assert_return":
            return _compare_return(run, command.expected, module, step)
        return _compare_trap(run, command.message)

    def _check_instantiation_trap(self, command: Command, report: ScriptReport) -> str:
        assert command.module is not None
        try:
            module = load_module(command.module)
        except _AssembleError as error:
            raise _Skip(f"module is not assembled: {error}") from None
        except HullvmError as error:
            raise _Skip(f"module is rejected by hullvm: {one_line(str(error))}") from None
        if module.start is None:
            raise _Skip("instantiation traps other than a trapping start function (segments out "
                        "of bounds) are not checked")
        return _compare_trap(self._execute(module, [], report), command.message)

    # ---- machine runs --------------------------------------------------------------------------

    def _execute(self, module: Module, actions: list[EntryAction], report: ScriptReport) -> _Run:
        """Lower the module with a harness entry and run it; raise _Skip when it cannot run."""
        from hullvm.pipeline import run_program

        try:
            program = lower_module(module, harness=actions)
            program.check()
        except UnsupportedError as error:
            raise _Skip(one_line(str(error))) from None
        except ValueError as error:
            raise _Skip(str(error)) from None
        try:
            result = run_program(program, b"", engine=self.engine, cache=self.cache,
                                 max_tokens=self.max_tokens, **self._engine_kwargs())
        except ValueError as error:
            # The trace decoder raises ValueError on a token sequence that is not a trace.
            raise _Fail(f"the model wrote an invalid trace: {error}") from None
        report.programs += 1
        report.generated_tokens += result.generated_tokens
        report.seconds += result.seconds
        trace = result.trace
        if result.stop_reason == TOKEN_LIMIT:
            return _Run(None, None, stopped=True)
        value = trace.exit_code & 0xFFFFFFFF if trace.exit_code is not None else None
        return _Run(trace.trap, value, stopped=False)

    def _engine_kwargs(self) -> dict:
        """Load the model or weights once, for the engines that need them."""
        if self._engine_arguments is None:
            from hullvm import pipeline

            if self.engine == "torch":
                self._engine_arguments = {"model": pipeline.load_model(self.weights_path)}
            elif self.engine == "native":
                self._engine_arguments = {
                    "weights": pipeline.load_machine_weights(self.weights_path)}
            else:
                self._engine_arguments = {}
        return self._engine_arguments


class _AssembleError(HullvmError):
    """wasmtime's wat2wasm rejected a text module."""


def load_module(source: ModuleSource) -> Module:
    """Assemble (for text), decode and validate a script module.

    Raises _AssembleError when the text does not assemble, and WasmDecodeError,
    WasmValidationError or UnsupportedError when hullvm rejects the binary.
    """
    if source.kind == "binary":
        wasm = source.data
    elif source.kind in ("text", "quote"):
        try:
            wasm = bytes(wasmtime.wat2wasm(source.text))
        except wasmtime.WasmtimeError as error:
            raise _AssembleError(str(error).strip().splitlines()[0]) from None
    else:
        raise UnsupportedError(f"({source.kind} ...) modules are not supported")
    module = decode_module(wasm)
    validate_module(module)
    return module


def _check_rejected(source: ModuleSource | None, expected: str, message: str) -> str:
    """Pass when hullvm's decoder or validator rejects the module."""
    assert source is not None
    try:
        load_module(source)
    except _AssembleError as error:
        raise _Skip(f"the text assembler (wasmtime's wat2wasm) rejects the module before "
                    f"hullvm sees it: {error}") from None
    except UnsupportedError as error:
        raise _Skip(one_line(str(error))) from None
    except HullvmError:
        return "passed"
    raise _Fail(f"hullvm accepted a module the script marks {expected} (\"{message}\")")


def _check_value_types(values: list[Const]) -> None:
    for value in values:
        if value.type in ("f32", "f64"):
            raise _Skip(FLOAT)
        if value.type not in ("i32", "i64"):
            raise _Skip(f"{value.type} values are not supported")


def _int_args(action: Action) -> tuple[int, ...]:
    return tuple(arg.value for arg in action.args if arg.value is not None)


def _compare_return(run: _Run, expected: list[Const], module: Module, step: EntryAction) -> str:
    if run.stopped:
        raise _Fail(TOKEN_LIMIT)
    if run.trap == FLOAT_TRAP:
        raise _Skip(FLOAT)
    if run.trap is not None:
        raise _Fail(f"trapped with \"{run.trap}\"")
    results = _result_types(module, step)
    if len(expected) != len(results):
        raise _Fail(f"the script expects {len(expected)} results, the export has "
                    f"{len(results)}")
    if not expected:
        return "passed"
    want = expected[0].value
    assert want is not None and run.value is not None
    if run.value != want:
        digits = 18 if results == ("i64",) else 10
        raise _Fail(f"returned {run.value:#0{digits}x}, expected {want:#0{digits}x}")
    return "passed"


def _result_types(module: Module, step: EntryAction) -> tuple[str, ...]:
    if step.kind == "call":
        return module.func_types[step.index].results
    return (module.globals[step.index].type,)


def _compare_trap(run: _Run, message: str) -> str:
    """Pass on a trap whose name and the script's message agree (one is a prefix of the other)."""
    if run.stopped:
        raise _Fail(TOKEN_LIMIT)
    if run.trap == FLOAT_TRAP:
        raise _Skip(FLOAT)
    if run.trap is None:
        raise _Fail(f"returned {run.value:#010x}, expected the trap \"{message}\"")
    if not (run.trap.startswith(message) or message.startswith(run.trap)):
        raise _Fail(f"trapped with \"{run.trap}\", expected \"{message}\"")
    return "passed"


def _mutating_functions(module: Module) -> set[int]:
    """Return the defined functions that can change memory or globals, directly or by calls."""
    first = module.num_imported_functions
    # call_indirect may call any function in the table.
    table = {index for segment in module.elements for index in segment.func_indices}
    calls = {f.index: {ins.imm[0] for ins in f.body if ins.name == "call"}
             | (table if any(ins.name == "call_indirect" for ins in f.body) else set())
             for f in module.functions}
    mutating = {f.index for f in module.functions
                if any(ins.name.startswith(_MUTATING) for ins in f.body)}
    changed = True
    while changed:
        changed = False
        for index, callees in calls.items():
            if index not in mutating and any(c in mutating for c in callees if c >= first):
                mutating.add(index)
                changed = True
    return mutating


def _describe(command: Command) -> str:
    if command.action is not None:
        expected = "".join(f" {value}" for value in command.expected)
        return f"{command.kind} {command.action}{expected}"
    if command.module is not None:
        return f"{command.kind} (module at line {command.module.line}) \"{command.message}\""
    return command.kind

