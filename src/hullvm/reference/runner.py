"""Run a module under wasmtime with hullvm's host interface, as the reference for machine runs.

The module may import only three functions from module "hullvm":

- ``putchar: [i32] -> []`` writes the low byte of its argument to the output.
- ``getchar: [] -> [i32]`` returns the next input byte (0..255), or -1 at the end of input.
- ``exit: [i32] -> []`` stops the program with that status.

The entry function is the exported ``_start`` (or ``main`` when there is no
``_start``). It takes no parameters and returns nothing or an i32 exit status, like the
machine's entry function in ``hullvm.wasm.lower``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import wasmtime

from hullvm.errors import UnsupportedError, WasmValidationError

HOST_MODULE = "hullvm"
ENTRY_NAMES = ("_start", "main")
HOST_SIGNATURES = {
    "putchar": (("i32",), ()),
    "getchar": ((), ("i32",)),
    "exit": (("i32",), ()),
}

# Trap names in the wording of the WebAssembly spec tests, which the machine's trap codes
# also use, plus 'out of fuel' for a run that hits its fuel limit.
_TRAP_KINDS = {
    wasmtime.TrapCode.UNREACHABLE: "unreachable",
    wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO: "integer divide by zero",
    wasmtime.TrapCode.INTEGER_OVERFLOW: "integer overflow",
    wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS: "out of bounds memory access",
    wasmtime.TrapCode.TABLE_OUT_OF_BOUNDS: "undefined element",
    wasmtime.TrapCode.INDIRECT_CALL_TO_NULL: "uninitialized element",
    wasmtime.TrapCode.BAD_SIGNATURE: "indirect call type mismatch",
    wasmtime.TrapCode.STACK_OVERFLOW: "call stack exhausted",
    wasmtime.TrapCode.OUT_OF_FUEL: "out of fuel",
    wasmtime.TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
}


@dataclass(frozen=True)
class ReferenceResult:
    """Outcome of a reference run.

    `output` contains every byte written before the program stopped, including before a trap.
    `exit_code` is the raw signed i32 status from `exit` or the entry function's result (0
    when the entry function returns nothing), and None after a trap. `trap` is the trap's
    name from _TRAP_KINDS, such as 'unreachable' or 'out of fuel', or the first line of
    wasmtime's message for a trap without a known code, and None when the program exited.
    """

    output: bytes
    exit_code: int | None
    trap: str | None


class _ProgramExit(Exception):
    """Raised by the host `exit` function to unwind out of wasm with the exit status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def run_reference(
    wasm: bytes, input_bytes: bytes = b"", *, fuel: int | None = None
) -> ReferenceResult:
    """Run a binary module under wasmtime and collect its output and exit status or trap.

    `fuel`, when given, limits the run to that many wasmtime fuel units, about one per executed
    instruction, after which the run stops with the trap 'out of fuel'.
    Raises WasmValidationError when wasmtime rejects the module, and UnsupportedError when the
    module imports anything but the three host functions or has no valid entry function.
    """
    engine = _engine(fuel is not None)
    try:
        module = wasmtime.Module(engine, wasm)
    except wasmtime.WasmtimeError as error:
        raise WasmValidationError(f"wasmtime rejected the module: {error}") from error
    _check_imports(module)
    entry_name = _entry_name(module)

    store = wasmtime.Store(engine)
    if fuel is not None:
        store.set_fuel(fuel)
    output = bytearray()
    input_position = 0

    def host_putchar(c: int) -> None:
        output.append(c & 0xFF)

    def host_getchar() -> int:
        nonlocal input_position
        if input_position >= len(input_bytes):
            return -1
        input_position += 1
        return input_bytes[input_position - 1]

    def host_exit(status: int) -> None:
        raise _ProgramExit(status)

    i32 = wasmtime.ValType.i32()
    linker = wasmtime.Linker(engine)
    linker.define_func(HOST_MODULE, "putchar", wasmtime.FuncType([i32], []), host_putchar)
    linker.define_func(HOST_MODULE, "getchar", wasmtime.FuncType([], [i32]), host_getchar)
    linker.define_func(HOST_MODULE, "exit", wasmtime.FuncType([i32], []), host_exit)

    try:
        # Instantiation runs the module's start function, which may print, exit or trap.
        instance = linker.instantiate(store, module)
        entry = instance.exports(store)[entry_name]
        status = entry(store)
    except _ProgramExit as stop:
        return ReferenceResult(bytes(output), stop.status, None)
    except wasmtime.Trap as trap:
        return ReferenceResult(bytes(output), None, _trap_kind(trap))
    return ReferenceResult(bytes(output), 0 if status is None else status, None)


@lru_cache(maxsize=2)
def _engine(consume_fuel: bool) -> wasmtime.Engine:
    config = wasmtime.Config()
    config.consume_fuel = consume_fuel
    return wasmtime.Engine(config)


def _check_imports(module: wasmtime.Module) -> None:
    for entry in module.imports:
        signature = _signature(entry.type) if isinstance(entry.type, wasmtime.FuncType) else None
        if entry.module != HOST_MODULE or HOST_SIGNATURES.get(entry.name) != signature:
            raise UnsupportedError(
                f"import {entry.module}.{entry.name} is not a host function. The host provides "
                f"hullvm.putchar [i32] -> [], hullvm.getchar [] -> [i32] and "
                f"hullvm.exit [i32] -> []")


def _signature(func_type: wasmtime.FuncType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(map(str, func_type.params)), tuple(map(str, func_type.results))


def _entry_name(module: wasmtime.Module) -> str:
    exports = {entry.name: entry.type for entry in module.exports}
    for name in ENTRY_NAMES:
        entry_type = exports.get(name)
        if not isinstance(entry_type, wasmtime.FuncType):
            continue
        if _signature(entry_type) not in (((), ()), ((), ("i32",))):
            raise UnsupportedError(
                f"entry function {name} must take no parameters and return nothing or an i32 "
                f"exit status")
        return name
    raise UnsupportedError(
        "the module exports no entry function. Export _start (or main) taking no parameters.")


def _trap_kind(trap: wasmtime.Trap) -> str:
    code = trap.trap_code
    if code in _TRAP_KINDS:
        return _TRAP_KINDS[code]
    return trap.message.splitlines()[0] if trap.message else "unknown trap"
