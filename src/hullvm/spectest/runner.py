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
state-changing function on the same instance are skipped, unless the function has one
instruction that changes the state and nothing after it can trap (then the trap leaves the
state as it was). The machine links no modules, so a module that imports from a registered instance makes
the state of that instance unknown once it can change it.
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
    trap_safe: set[int] = field(default_factory=set)  # mutating functions a trap leaves unchanged
    # Registered instances whose functions this module imports; a call of this module's
    # functions can change their state.
    linked: list[_Instance] = field(default_factory=list)


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
        registered: dict[str, _Instance] = {}
        for command in commands:
            if command.kind == "module":
                assert command.module is not None
                current = self._instantiate(command.module)
                _link(current, command.module, registered)
                if command.module.name:
                    named[command.module.name] = current
                continue
            if command.kind == "register":
                # The lowering rejects imports from registered modules. The runner records
                # which instance a name refers to, to find the later modules that import from it.
                name = command.register_module
                target = current if name is None else named.get(name)
                if target is not None:
                    registered[command.register_as] = target
                continue
            if command.kind in ("invoke", "get"):
                assert command.action is not None
                instance = self._instance(command, current, named)
                _lose_linked(instance, command.line)
                self._record_action(instance, command.action)
                continue
            if command.action is not None:
                _lose_linked(self._instance(command, current, named), command.line)
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
            instance.trap_safe = _trap_safe_functions(instance.module, instance.mutating)
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
        if not _integer_type(instance.module, step.index):
            instance.lost_state = instance.lost_state or _float_call(action.line)
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
                if step.index not in instance.trap_safe:
                    instance.lost_state = (
                        f"follows a trapping call that can change the module's state (line "
                        f"{command.line}). The harness cannot replay a trapping call")
            elif not _integer_type(module, step.index):
                instance.lost_state = _float_call(command.line)
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
    module = decode_module(_assemble(source))
    validate_module(module)
    return module


def _assemble(source: ModuleSource) -> bytes:
    """The module's binary: as given, or assembled from its text by wasmtime."""
    if source.kind == "binary":
        return source.data
    if source.kind in ("text", "quote"):
        try:
            return bytes(wasmtime.wat2wasm(source.text))
        except wasmtime.WasmtimeError as error:
            raise _AssembleError(str(error).strip().splitlines()[0]) from None
    raise UnsupportedError(f"({source.kind} ...) modules are not supported")


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


def _integer_type(module: Module, index: int) -> bool:
    """Whether the function's parameters and results are all i32 or i64 (the harness's types)."""
    func_type = module.func_types[index]
    return all(t in ("i32", "i64") for t in (*func_type.params, *func_type.results))


def _float_call(line: int) -> str:
    return (f"follows a call with float or other non-integer parameters or results that can "
            f"change the module's state (line {line})")


# Instructions that can trap: these names, and names with these parts.
_TRAPPING = ("unreachable", "call", "call_indirect")
_TRAPPING_PARTS = (".load", ".store", ".div_", ".rem_", ".trunc_")


def _can_trap(name: str) -> bool:
    return name in _TRAPPING or any(part in name for part in _TRAPPING_PARTS)


def _trap_safe_functions(module: Module, mutating: set[int]) -> set[int]:
    """Return the mutating functions whose trap leaves memory and globals as they were.

    Such a function has no loop, calls no mutating function, and has one instruction that
    changes the state (a store, global.set or memory.grow), after which no instruction can
    trap. A trap then comes before that instruction or at it, and only a store can trap,
    writing nothing, so the call changed nothing.
    """
    table = {index for segment in module.elements for index in segment.func_indices}
    safe = set()
    for function in module.functions:
        if function.index not in mutating:
            continue
        body = function.body
        changes = [k for k, ins in enumerate(body) if ins.name.startswith(_MUTATING)]
        if len(changes) != 1:
            continue
        if any(ins.name == "loop" for ins in body):
            continue
        if any(ins.name == "call" and ins.imm[0] in mutating for ins in body):
            continue
        if any(ins.name == "call_indirect" for ins in body) and table & mutating:
            continue
        if any(_can_trap(ins.name) for ins in body[changes[0] + 1:]):
            continue
        safe.add(function.index)
    return safe


def _link(instance: _Instance, source: ModuleSource, registered: dict[str, _Instance]) -> None:
    """Note what a module imports from registered instances; the machine links none of them.

    A table, memory or mutable global shared with a registered instance, or a start function,
    can change that instance's state as soon as the module is instantiated. Imported functions
    change it only when this module's functions run, so those instances are kept in `linked`.
    """
    if not registered:
        return
    for module_name, kind, mutable in _imports(instance, source):
        target = registered.get(module_name)
        if target is None or target is instance:
            continue
        if kind in ("table", "memory") or (kind == "global" and mutable) \
                or _has_start(instance):
            target.lost_state = target.lost_state or (
                f"follows the module at line {instance.line}, which imports from this module; "
                f"the machine links no modules, so the state that instantiation can change is "
                f"unknown")
        elif kind == "func" and target not in instance.linked:
            instance.linked.append(target)


def _lose_linked(instance: _Instance, line: int) -> None:
    """A call of the instance's functions may run imported functions of registered instances."""
    for target in instance.linked:
        target.lost_state = target.lost_state or (
            f"follows a call (line {line}) of a module that imports functions from this "
            f"module; the machine links no modules, so their effect is unknown")


def _imports(instance: _Instance, source: ModuleSource) -> list[tuple[str, str, bool]]:
    """(module name, kind, mutable) of each import, from hullvm's decoding or else wasmtime's."""
    if instance.module is not None:
        return [(entry.module, entry.kind, entry.kind == "global" and bool(entry.desc[1]))
                for entry in instance.module.imports]
    try:
        module = wasmtime.Module(wasmtime.Engine(), _assemble(source))
    except (HullvmError, wasmtime.WasmtimeError):
        return []  # a module that does not compile is not instantiated
    kinds = {wasmtime.FuncType: "func", wasmtime.TableType: "table",
             wasmtime.MemoryType: "memory", wasmtime.GlobalType: "global"}
    result = []
    for entry in module.imports:
        kind = kinds.get(type(entry.type), "other")
        result.append((entry.module, kind, kind == "global" and entry.type.mutable))
    return result


def _has_start(instance: _Instance) -> bool:
    # A module that hullvm does not decode may have a start function: assume it has.
    return instance.module is None or instance.module.start is not None


def _describe(command: Command) -> str:
    if command.action is not None:
        expected = "".join(f" {value}" for value in command.expected)
        return f"{command.kind} {command.action}{expected}"
    if command.module is not None:
        return f"{command.kind} (module at line {command.module.line}) \"{command.message}\""
    return command.kind

