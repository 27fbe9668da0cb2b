"""Lowering: turn a validated WebAssembly module into a flat machine program.

Structured control flow becomes jumps with static stack pointer changes (validation gives the
stack height at every instruction, so the number of values each branch drops is static). Calls to the
host imports become the machine's I/O instructions. i32 operations the machine has no circuit for
(multiply, divide, remainder, bitwise logic, shifts, rotates, bit counts) become calls to helper
functions written in WebAssembly text with the operations it does have; each helper loops at most
32 times (64 for the i64 ones), so its cost is bounded by the bit width, never by the operand
values.

Before that, `split64` rewrites i64 code into i32 code on word pairs and memory.grow into code
on globals. call_indirect becomes a chain of CASE steps over the table's entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from hullvm.errors import UnsupportedError
from hullvm.wasm import constops
from hullvm.wasm.isa import MAX_ADDRESS, MAX_DSP, MAX_PC, Instruction
from hullvm.wasm.module import Function, Instr, Module
from hullvm.wasm.program import MachineProgram
from hullvm.wasm.split64 import SplitModule, split_module, uses_grow, uses_i64
from hullvm.wasm.tokens import TRAP_CODE

HOST_MODULE = "hullvm"
HOST_FUNCTIONS = {
    "putchar": ((("i32",), ()), "PUTCHAR", -1),
    "getchar": (((), ("i32",)), "GETCHAR", 1),
    "exit": ((("i32",), ()), "HALT", 0),
}
ENTRY_NAMES = ("_start", "main")
# Imports of the spec test scripts' host module that a harness entry accepts. Their output is
# not part of any assertion, so they consume their argument and print nothing.
SPECTEST_FUNCTIONS = {"spectest": {
    "print": (((), ()), "NOP", 0),
    "print_i32": ((("i32",), ()), "DROP", -1),
}}

SIMPLE = {
    "i32.add": ("ADD", -1), "i32.sub": ("SUB", -1),
    "i32.eq": ("EQ", -1), "i32.ne": ("NE", -1),
    "i32.lt_s": ("LT_S", -1), "i32.lt_u": ("LT_U", -1),
    "i32.gt_s": ("GT_S", -1), "i32.gt_u": ("GT_U", -1),
    "i32.le_s": ("LE_S", -1), "i32.le_u": ("LE_U", -1),
    "i32.ge_s": ("GE_S", -1), "i32.ge_u": ("GE_U", -1),
    "i32.eqz": ("EQZ", 0), "drop": ("DROP", -1), "select": ("SELECT", -2),
    "nop": ("NOP", 0),
}
LOAD_OPS = {"i32.load": "LOAD32", "i32.load8_u": "LOAD8U", "i32.load8_s": "LOAD8S",
            "i32.load16_u": "LOAD16U", "i32.load16_s": "LOAD16S"}
STORE_OPS = {"i32.store": "STORE32", "i32.store8": "STORE8", "i32.store16": "STORE16"}
# i32 operations computed by a helper function; the value is the helper's export name.
HELPED = {
    "i32.mul": "mul", "i32.div_u": "div_u", "i32.rem_u": "rem_u", "i32.div_s": "div_s",
    "i32.rem_s": "rem_s", "i32.and": "and", "i32.or": "or", "i32.xor": "xor",
    "i32.shl": "shl", "i32.shr_u": "shr_u", "i32.shr_s": "shr_s", "i32.rotl": "rotl",
    "i32.rotr": "rotr", "i32.clz": "clz", "i32.ctz": "ctz", "i32.popcnt": "popcnt",
}
TRAP_OPS = {"hullvm.trap_div": TRAP_CODE["integer divide by zero"],
            "hullvm.trap_overflow": TRAP_CODE["integer overflow"]}


def _is_float(name: str) -> bool:
    return name.startswith(("f32.", "f64.")) or "_f32" in name or "_f64" in name \
        or name.endswith(("trunc_f32_s", "trunc_f64_s")) or name in (
            "i32.reinterpret_f32", "i64.reinterpret_f64")


@dataclass
class _Fixup:
    pc: int
    function: int  # function index whose entry PC is the target, or -1
    label: tuple[int, int] | None = None  # (function index, body index) of a label


@dataclass
class _Lowering:
    module: Module
    helpers: Module | None
    code: list[Instruction] = field(default_factory=list)
    owner: list[str] = field(default_factory=list)
    entry_pc: dict[tuple[str, int], int] = field(default_factory=dict)
    label_pc: dict[tuple[str, int, int], int] = field(default_factory=dict)
    fixups: list[tuple[int, tuple]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    used_helpers: set[int] = field(default_factory=set)
    split: SplitModule | None = None
    # Address of the global `gap` and of the word that contains a store's value while its address
    # is checked, in a module that uses memory.grow.
    gap_address: int | None = None
    store_address: int | None = None
    # Address of the scratch memory for constant-operand sequences (`constops`), right after
    # the globals; None while unknown or when it would not fit below MAX_ADDRESS.
    scratch: int | None = None

    def emit(self, ins: Instruction, where: str) -> int:
        for name, value in (("dsp", ins.dsp), ("dspj", ins.dspj)):
            if ins.op != "TRAP" and not -MAX_DSP <= value <= MAX_DSP:
                raise UnsupportedError(
                    f"{where}: the stack pointer moves by {value} slots in one step, beyond the "
                    f"machine's limit of {MAX_DSP}; split the function into smaller ones")
        self.code.append(ins)
        self.owner.append(where)
        return len(self.code) - 1


def _function_label(module: Module, function: Function) -> str:
    name = function.name or module.func_names.get(function.index)
    return f"function {function.index}" + (f" ({name})" if name else "")


def lower_module(module: Module, *, memory_limit: int = MAX_ADDRESS,
                 harness: Sequence[EntryAction] | None = None) -> MachineProgram:
    """Lower a validated module to a machine program.

    Without `harness`, the program calls the exported `_start` (or `main`) and halts with its
    result. With `harness`, it performs those actions in order instead (see `EntryAction`),
    lowers only the functions they reach, and also accepts the `spectest.print` and
    `spectest.print_i32` imports, which print nothing on the machine.
    Both run the module's start function first, if it has one.

    Raises UnsupportedError listing every instruction or import the machine cannot run, each with
    its function and byte offset.
    """
    actions = list(harness) if harness is not None else [EntryAction("call", _find_entry(module))]
    if module.start is not None:
        actions.insert(0, EntryAction("call", module.start))
    imports = _host_imports(module, SPECTEST_FUNCTIONS if harness is not None else {})
    original = module
    split = _split(module, memory_limit)
    module = split.module
    pages = module.memories[0][0] if module.memories else 0
    global_base = pages * 65536
    if split.grow is not None:
        # The globals lie past the largest memory, so that growing never reaches them, and
        # every load and store checks the current size.
        pages = split.grow.max_pages
        global_base = pages * 65536
    if global_base + 4 * len(module.globals) > memory_limit:
        raise UnsupportedError(
            f"the module's memory of {pages} pages plus {len(module.globals)} globals exceeds "
            f"the machine's {memory_limit // 65536} pages; use a smaller initial memory")
    helpers = _helper_module()
    low = _Lowering(module, helpers, split=split)
    if split.grow is not None:
        low.gap_address = global_base + 4 * split.grow.gap_global
        low.store_address = global_base + 4 * split.grow.store_global
    # The code from instruction 0 performs the actions and halts with the last one's value as
    # the exit status.
    _emit_entry(low, original, actions, global_base)
    reached = _reachable_functions(split, actions) if harness is not None else None
    for function in module.functions:
        if reached is None or function.index in reached:
            _lower_function(low, module, "main", function, imports, pages, global_base)
    # Helpers are lowered after the program, only those it calls (and those they call). Their
    # one global, the high word of an i64 result, shares the address of the program's.
    hi_address = global_base + 4 * split.hi_global if split.hi_global is not None else 0
    done: set[int] = set()
    while low.used_helpers - done:
        index = min(low.used_helpers - done)
        done.add(index)
        _lower_function(low, helpers, "helper", helpers.function(index), {}, 0, hi_address)
    if low.problems:
        listing = "\n  ".join(low.problems)
        raise UnsupportedError(
            f"the machine cannot run {len(low.problems)} instruction(s) of this module:\n  "
            f"{listing}\nThe machine runs integer code only: in C, use integer types rather "
            f"than double or float.")
    for pc, target in low.fixups:
        if target[0] in ("main", "helper"):
            low.code[pc].tgt = low.entry_pc[target]
        else:
            low.code[pc].tgt = low.label_pc[target[1:]]
    if len(low.code) > MAX_PC:
        raise UnsupportedError(f"the lowered program has {len(low.code)} instructions; the "
                               f"machine addresses at most {MAX_PC}")
    data = []
    for segment in module.data:
        offset = _const(segment.offset, module)
        data.append((offset, bytes(segment.init)))
    for g, glob in enumerate(module.globals):
        value = _const(glob.init, module) & 0xFFFFFFFF
        data.append((global_base + 4 * g, value.to_bytes(4, "little")))
    return MachineProgram(low.code, pages, data, low.owner)


def _split(module: Module, memory_limit: int) -> SplitModule:
    """Rewrite i64 code and memory.grow into i32 code; return the module as is without them."""
    if uses_grow(module) or uses_i64(module):
        return split_module(module, memory_limit, constops.SCRATCH_BYTES)
    identity = {index: index for index in range(len(module.globals))}
    return SplitModule(module, module, identity, None, None)


def _const(value, module: Module) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, tuple) and value[0] == "global.get":
        return _const(module.globals[value[1]].init, module)
    raise UnsupportedError(f"constant expression {value!r} is not supported")


@dataclass(frozen=True)
class EntryAction:
    """One action of a harness entry.

    kind 'call' pushes the constants `args` (i32 or i64, as the parameters are) and calls
    function `index`. kind 'global' pushes the value of global `index`. The value of every
    action but the last is dropped. An i64 value is the low word unless `high` is set, then
    the high word.
    """

    kind: str
    index: int
    args: tuple[int, ...] = ()
    high: bool = False


def _emit_entry(low: _Lowering, module: Module, actions: list[EntryAction],
                global_base: int) -> None:
    """Emit the entry code: each action in turn, then HALT with the last action's value."""
    split = low.split
    last_value = False
    for number, action in enumerate(actions):
        where = f"entry action {number} ({action.kind} {action.index})"
        if action.kind == "global":
            if not 0 <= action.index < len(module.globals):
                raise UnsupportedError(f"{where}: the module has no global {action.index}")
            value_type = module.globals[action.index].type
            if value_type not in ("i32", "i64"):
                raise UnsupportedError(f"{where}: {value_type} globals are not supported")
            address = global_base + 4 * split.global_map[action.index]
            if value_type == "i64" and action.high:
                address += 4
            low.emit(Instruction("GLOBAL_GET", imm=address, dsp=1), where)
            has_value = True
        else:
            if action.index < module.num_imported_functions:
                raise UnsupportedError(f"{where}: the function is an import. The entry calls "
                                       f"only functions the module defines")
            function = module.function(action.index)
            if len(action.args) != len(function.type.params):
                raise UnsupportedError(f"{where}: {len(action.args)} arguments given, the "
                                       f"function takes {len(function.type.params)}")
            if any(t not in ("i32", "i64")
                   for t in (*function.type.params, *function.type.results)):
                raise UnsupportedError(f"{where}: the function has type {function.type}, but the "
                                       f"entry passes and returns only i32 and i64 values")
            for value, value_type in zip(action.args, function.type.params):
                low.emit(Instruction("CONST", imm=value & 0xFFFFFFFF, dsp=1), where)
                if value_type == "i64":
                    low.emit(Instruction("CONST", imm=(value >> 32) & 0xFFFFFFFF, dsp=1), where)
            callee = split.module.function(action.index)
            pc = low.emit(Instruction("CALL", aux=len(callee.type.params),
                                      dsp=len(callee.locals)), where)
            low.fixups.append((pc, ("main", action.index)))
            has_value = bool(function.type.results)
            if function.type.results == ("i64",) and action.high:
                low.emit(Instruction("DROP", dsp=-1), where)
                low.emit(Instruction("GLOBAL_GET", imm=global_base + 4 * split.hi_global,
                                     dsp=1), where)
        last_value = has_value
        if has_value and number < len(actions) - 1:
            low.emit(Instruction("DROP", dsp=-1), where)
    if not last_value:
        low.emit(Instruction("CONST", imm=0, dsp=1), "entry")
    low.emit(Instruction("HALT"), "entry")


def _reachable_functions(split: SplitModule, actions: list[EntryAction]) -> set[int]:
    """Return the defined functions that the actions call, directly or through `call`.

    A call_indirect reaches the table's functions of its type whose parameters and results
    are integers; it traps before a call of any other function.
    """
    module = split.module
    original = split.original
    table = {index for segment in module.elements for index in segment.func_indices}
    pending = [action.index for action in actions if action.kind == "call"]
    reached: set[int] = set()
    while pending:
        index = pending.pop()
        if index in reached or index < module.num_imported_functions \
                or index in split.helper_calls:
            continue
        reached.add(index)
        for ins in module.function(index).body:
            if ins.name == "call":
                pending.append(ins.imm[0])
            elif ins.name == "call_indirect":
                expected = original.types[ins.imm[0]]
                if _integer_type(expected):
                    pending.extend(entry for entry in table
                                   if original.func_types[entry] == expected)
    return reached


def _integer_type(func_type) -> bool:
    return all(t in ("i32", "i64") for t in (*func_type.params, *func_type.results))


def _find_entry(module: Module) -> int:
    for name in ENTRY_NAMES:
        if name in module.exports and module.exports[name][0] == "func":
            index = module.exports[name][1]
            ftype = module.func_types[index]
            if ftype.params or ftype.results not in ((), ("i32",)):
                raise UnsupportedError(
                    f"entry function {name} has type {ftype}; it must take no parameters and "
                    f"return nothing or an i32 exit status")
            if index < module.num_imported_functions:
                raise UnsupportedError(f"entry function {name} is an import")
            return index
    raise UnsupportedError(
        "the module exports no entry function; export `_start` (or `main`) taking no parameters")


def _host_imports(module: Module, extra_hosts: dict[str, dict]) -> dict[int, tuple[str, int]]:
    imports: dict[int, tuple[str, int]] = {}
    problems = []
    index = 0
    hosts = {HOST_MODULE: HOST_FUNCTIONS, **extra_hosts}
    for entry in module.imports:
        if entry.kind != "func":
            problems.append(f"import {entry.module}.{entry.name} ({entry.kind}) is not provided")
            continue
        spec = hosts.get(entry.module, {}).get(entry.name)
        ftype = module.func_types[index]
        if spec is None or (ftype.params, ftype.results) != spec[0]:
            problems.append(
                f"import {entry.module}.{entry.name} {ftype} is not a host function; the machine "
                f"provides hullvm.putchar [i32] -> [], hullvm.getchar [] -> [i32] and "
                f"hullvm.exit [i32] -> []")
        else:
            imports[index] = (spec[1], spec[2])
        index += 1
    if problems:
        raise UnsupportedError("; ".join(problems))
    return imports


@lru_cache(maxsize=1)
def _helper_module() -> Module:
    import wasmtime

    from hullvm.wasm.binary import decode_module
    from hullvm.wasm.validate import validate_module

    text = resources.files("hullvm.wasm").joinpath("helpers.wat").read_text()
    module = decode_module(bytes(wasmtime.wat2wasm(text)))
    validate_module(module)
    return module


def _lower_function(low: _Lowering, module: Module, space: str, function: Function,
                    imports: dict[int, tuple[str, int]], pages: int, global_base: int) -> None:
    where_function = _function_label(module, function) if space == "main" else \
        f"helper {module.func_names.get(function.index, function.index)}"
    low.entry_pc[(space, function.index)] = len(low.code)
    if space == "main":
        base = global_base + 4 * len(module.globals)
        low.scratch = base if constops.scratch_fits(base) else None
    n_params = len(function.type.params)
    frame = n_params + len(function.locals)
    n_results = len(function.type.results)
    # After split64 only i32, f32 and f64 values remain, one stack slot each. Integer code can
    # read the bits of a float value only through a float instruction, which traps, so float
    # parameters, locals, results and globals move a word that nothing observes.
    for t in (*function.type.params, *function.locals, *function.type.results):
        if t not in ("i32", "f32", "f64"):
            where = f"{where_function} at byte offset {function.body[0].offset:#x}"
            low.problems.append(f"{where}: {t} parameters, locals and results are not supported")
            return
    body = function.body
    final = len(body) - 1

    def where(ins: Instr) -> str:
        return f"{where_function} at byte offset {ins.offset:#x} ({ins.name})"

    def label(index: int) -> tuple:
        return ("label", space, function.index, index)

    def returning(height: int, ins: Instr) -> None:
        """Return with `height` operand values on the stack, the results on top."""
        op = "RETV" if n_results else "RET"
        dsp = -(frame + height) + n_results
        low.emit(Instruction(op, dsp=dsp, dspj=dsp), where(ins))

    def branch(target, height: int, ins: Instr, conditional: bool) -> None:
        """Jump to a label with `height` values on the stack (a condition already popped)."""
        if target.index == final:
            if conditional:
                skip = low.emit(Instruction("BR_IFZ", dsp=-1, dspj=-1), where(ins))
                returning(height, ins)
                low.code[skip].tgt = len(low.code)
            else:
                returning(height, ins)
            return
        drop = height - target.arity - target.height
        pop = 1 if conditional else 0
        if target.arity and drop:
            skip = None
            if conditional:
                skip = low.emit(Instruction("BR_IFZ", dsp=-1, dspj=-1), where(ins))
            low.emit(Instruction("MOVE", dsp=-drop, imm=0), where(ins))
            pc = low.emit(Instruction("BR"), where(ins))
            low.fixups.append((pc, label(target.index)))
            if skip is not None:
                low.code[skip].tgt = len(low.code)
            return
        # The machine moves the stack pointer of an unconditional BR by its dsp, so a BR carries
        # the drop in both fields. A conditional branch falls through with dsp and jumps with dspj.
        if conditional:
            jump = Instruction("BR_IF", dsp=-pop, dspj=-pop - drop)
        else:
            jump = Instruction("BR", dsp=-drop, dspj=-drop)
        pc = low.emit(jump, where(ins))
        low.fixups.append((pc, label(target.index)))

    fused = -1  # index of an operation already lowered together with the constant before it
    for i, ins in enumerate(body):
        name = ins.name
        if i == fused:
            continue
        if name == "loop":
            low.label_pc[label(i)[1:]] = len(low.code)
            continue
        if name == "block":
            continue
        if name == "end":
            low.label_pc[label(i)[1:]] = len(low.code)
            if i == final and ins.height is not None:
                returning(ins.height, ins)
            continue
        if name == "else":
            # The end of the then-branch jumps over the else-branch (dead code when the
            # then-branch ends in a branch of its own).
            pc = low.emit(Instruction("BR"), where(ins))
            low.fixups.append((pc, label(ins.end_index)))
            low.label_pc[label(i)[1:]] = len(low.code)
            continue
        if ins.height is None:
            continue  # unreachable code is never executed
        h = ins.height
        if name == "if":
            target = ins.else_index if ins.else_index is not None else ins.end_index
            pc = low.emit(Instruction("BR_IFZ", dsp=-1, dspj=-1), where(ins))
            low.fixups.append((pc, label(target)))
            continue
        if name == "unreachable":
            low.emit(Instruction("TRAP", dsp=TRAP_CODE["unreachable"]), where(ins))
        elif name in ("br", "br_if"):
            branch(ins.target, h - (name == "br_if"), ins, name == "br_if")
        elif name == "br_table":
            _lower_br_table(low, ins, h, branch, where)
        elif name == "return":
            returning(h, ins)
        elif name in SIMPLE:
            op, dsp = SIMPLE[name]
            low.emit(Instruction(op, dsp=dsp), where(ins))
        elif name == "i32.const":
            if _lower_const_operation(low, body, i, where):
                fused = i + 1
            else:
                low.emit(Instruction("CONST", imm=ins.imm[0] & 0xFFFFFFFF, dsp=1), where(ins))
        elif name in ("local.get", "local.set", "local.tee"):
            index = ins.imm[0]
            op = {"local.get": "LOCAL_GET" if index < n_params else "LOCAL_GETZ",
                  "local.set": "LOCAL_SET", "local.tee": "LOCAL_TEE"}[name]
            dsp = {"local.get": 1, "local.set": -1, "local.tee": 0}[name]
            low.emit(Instruction(op, imm=index, dsp=dsp), where(ins))
        elif name in ("global.get", "global.set"):
            if module.globals[ins.imm[0]].type not in ("i32", "f32", "f64"):
                low.problems.append(f"{where(ins)}: {module.globals[ins.imm[0]].type} globals "
                                    f"are not supported")
                continue
            op, dsp = ("GLOBAL_GET", 1) if name == "global.get" else ("GLOBAL_SET", -1)
            low.emit(Instruction(op, imm=global_base + 4 * ins.imm[0], dsp=dsp), where(ins))
        elif name in LOAD_OPS:
            if low.gap_address is not None and space == "main":
                _check_bounds(low, ins, pages, where, store=False)
            low.emit(Instruction(LOAD_OPS[name], imm=ins.imm[1], aux=pages), where(ins))
        elif name in STORE_OPS:
            if low.gap_address is not None and space == "main":
                _check_bounds(low, ins, pages, where, store=True)
            low.emit(Instruction(STORE_OPS[name], imm=ins.imm[1], aux=pages, dsp=-2), where(ins))
        elif name == "memory.size":
            low.emit(Instruction("CONST", imm=pages, dsp=1), where(ins))
        elif name == "call":
            _lower_call(low, module, space, ins, imports, where)
        elif name == "call_indirect" and space == "main":
            _lower_call_indirect(low, module, ins, imports, where)
        elif name in ("i32.extend8_s", "i32.extend16_s"):
            _lower_extend(low, name, ins, where)
        elif name in HELPED and low.helpers is not None:
            helper = HELPED[name]
            helpers = low.helpers
            index = helpers.exports[helper][1]
            ftype = helpers.func_types[index]
            callee = helpers.function(index)
            low.used_helpers.add(index)
            dsp = len(callee.locals)
            pc = low.emit(Instruction("CALL", aux=len(ftype.params), dsp=dsp), where(ins))
            low.fixups.append((pc, ("helper", index)))
        elif _is_float(name):
            low.emit(Instruction("TRAP", dsp=TRAP_CODE["floating point instruction executed"]),
                     where(ins))
        else:
            low.problems.append(f"{where(ins)}: instruction {name} is not supported by the machine")


def _lower_const_operation(low: _Lowering, body: list[Instr], i: int, where) -> bool:
    """Lower `i32.const k` and the operation after it as one straight-line sequence.

    Returns False, emitting nothing, when the operation has no sequence for k (then the helper
    function computes it) or when there is no scratch memory.
    """
    if i + 1 >= len(body):
        return False
    operation = body[i + 1]
    if operation.name not in constops.CONST_OPERATIONS or operation.height is None:
        return False
    if low.scratch is None:
        if where(operation).startswith("helper"):
            # The shift helpers shift by constants themselves, so without scratch memory they
            # would call themselves forever.
            low.problems.append(
                f"{where(operation)}: the module's memory and globals leave no room below "
                f"{MAX_ADDRESS:#x} for the {constops.SCRATCH_BYTES} bytes of scratch memory "
                f"that the helper functions use; use a smaller memory")
        return False
    code = constops.sequence(operation.name, body[i].imm[0])
    if code is None:
        return False
    for instruction in constops.instructions(code, low.scratch):
        low.emit(instruction, where(operation))
    return True


ACCESS_WIDTH = {"i32.load": 4, "i32.load8_u": 1, "i32.load8_s": 1, "i32.load16_u": 2,
                "i32.load16_s": 2, "i32.store": 4, "i32.store8": 1, "i32.store16": 2}


def _check_bounds(low: _Lowering, ins: Instr, pages: int, where, store: bool) -> None:
    """Trap unless the access fits the current memory of a module that uses memory.grow.

    The access at a + offset of w bytes fits when a + gap + offset + w <= pages * 65536, where
    gap is the distance from the current memory end to the largest memory. A one-byte probe
    load at a + gap + offset + w - 1 makes the machine's own bounds check trap when it does
    not. A store's value waits in a scratch word while the probe reads the address below it.
    """
    offset = ins.imm[1]
    last = offset + ACCESS_WIDTH[ins.name] - 1
    if last >= pages * 65536:
        # The access traps whatever the address; the machine's check does it.
        return
    if store:
        low.emit(Instruction("GLOBAL_SET", imm=low.store_address, dsp=-1), where(ins))
    low.emit(Instruction("MOVE", dsp=1), where(ins))
    low.emit(Instruction("GLOBAL_GET", imm=low.gap_address, dsp=1), where(ins))
    low.emit(Instruction("ADD", dsp=-1), where(ins))
    low.emit(Instruction("LOAD8U", imm=last, aux=pages), where(ins))
    low.emit(Instruction("DROP", dsp=-1), where(ins))
    if store:
        low.emit(Instruction("GLOBAL_GET", imm=low.store_address, dsp=1), where(ins))


def _lower_extend(low: _Lowering, name: str, ins: Instr, where) -> None:
    """Sign-extend the low 8 or 16 bits: store the word in scratch memory, load it narrow."""
    if low.scratch is None:
        low.problems.append(
            f"{where(ins)}: the module's memory and globals leave no room below "
            f"{MAX_ADDRESS:#x} for the scratch memory that {name} uses; use a smaller memory")
        return
    code = constops.extend("LOAD8S" if name == "i32.extend8_s" else "LOAD16S")
    for instruction in constops.instructions(code, low.scratch):
        low.emit(instruction, where(ins))


def _lower_br_table(low: _Lowering, ins: Instr, height: int, branch, where) -> None:
    """Emit a chain of CASE steps, each comparing the index with one entry and jumping if equal."""
    *cases, default = ins.targets
    trampolines = []
    for value, target in enumerate(cases):
        pc = low.emit(Instruction("CASE", imm=value, dsp=0, dspj=-1), where(ins))
        trampolines.append((pc, target))
    low.emit(Instruction("DROP", dsp=-1), where(ins))
    branch(default, height - 1, ins, False)
    # Each taken CASE has popped the index; its trampoline finishes the branch.
    for pc, target in trampolines:
        low.code[pc].tgt = len(low.code)
        branch(target, height - 1, ins, False)


def _lower_call(low: _Lowering, module: Module, space: str, ins: Instr,
                imports: dict[int, tuple[str, int]], where) -> None:
    index = ins.imm[0]
    if index < module.num_imported_functions:
        if space == "helper":
            trap = TRAP_OPS.get(f"{module.imports[index].module}.{module.imports[index].name}")
            if trap is not None:
                low.emit(Instruction("TRAP", dsp=trap), where(ins))
                return
        op, dsp = imports[index]
        low.emit(Instruction(op, dsp=dsp), where(ins))
        return
    if space == "main" and index in low.split.helper_calls:
        _call_helper(low, low.split.helper_calls[index], where(ins))
        return
    callee = module.function(index)
    pc = low.emit(Instruction("CALL", aux=len(callee.type.params), dsp=len(callee.locals)),
                  where(ins))
    low.fixups.append((pc, (space, index)))
    if space == "helper":
        low.used_helpers.add(index)


def _call_helper(low: _Lowering, name: str, where: str) -> None:
    helpers = low.helpers
    index = helpers.exports[name][1]
    callee = helpers.function(index)
    low.used_helpers.add(index)
    pc = low.emit(Instruction("CALL", aux=len(callee.type.params), dsp=len(callee.locals)), where)
    low.fixups.append((pc, ("helper", index)))


def _lower_call_indirect(low: _Lowering, module: Module, ins: Instr,
                         imports: dict[int, tuple[str, int]], where) -> None:
    """Emit a CASE chain over the table's defined entries, then one call per function.

    Each CASE compares the table index on top of the stack with one entry and, when equal,
    pops it and jumps to the call of that entry's function, or to a type mismatch trap. An
    index that matches no CASE traps as an uninitialized element when it is below the table
    size (a null entry), else as an undefined element. The chain has one step per table
    entry, so its cost is bounded by the table size.
    """
    original = low.split.original
    expected = original.types[ins.imm[0]]
    table = _table_entries(original)
    calls: dict[int, list[int]] = {}
    for slot, function_index in table.items():
        pc = low.emit(Instruction("CASE", imm=slot, dsp=0, dspj=-1), where(ins))
        calls.setdefault(function_index, []).append(pc)
    size = original.tables[0][0] if original.tables else 0
    if len(table) < size:
        # The index is still on the stack. Both branches end in a trap, so it stays there.
        low.emit(Instruction("CONST", imm=size, dsp=1), where(ins))
        low.emit(Instruction("LT_U", dsp=-1), where(ins))
        null = low.emit(Instruction("BR_IF", dsp=-1, dspj=-1), where(ins))
        low.emit(Instruction("TRAP", dsp=TRAP_CODE["undefined element"]), where(ins))
        low.code[null].tgt = len(low.code)
        low.emit(Instruction("TRAP", dsp=TRAP_CODE["uninitialized element"]), where(ins))
    else:
        low.emit(Instruction("TRAP", dsp=TRAP_CODE["undefined element"]), where(ins))
    exits = []
    for function_index, cases in calls.items():
        for pc in cases:
            low.code[pc].tgt = len(low.code)
        if original.func_types[function_index] != expected:
            low.emit(Instruction("TRAP", dsp=TRAP_CODE["indirect call type mismatch"]),
                     where(ins))
            continue
        if not _integer_type(expected):
            # The callee takes or returns floats, which the machine does not compute.
            low.emit(Instruction("TRAP", dsp=TRAP_CODE["floating point instruction executed"]),
                     where(ins))
            continue
        if function_index < module.num_imported_functions:
            op, dsp = imports[function_index]
            low.emit(Instruction(op, dsp=dsp), where(ins))
        else:
            callee = module.function(function_index)
            pc = low.emit(Instruction("CALL", aux=len(callee.type.params),
                                      dsp=len(callee.locals)), where(ins))
            low.fixups.append((pc, ("main", function_index)))
        exits.append(low.emit(Instruction("BR"), where(ins)))
    for pc in exits:
        low.code[pc].tgt = len(low.code)


def _table_entries(module: Module) -> dict[int, int]:
    """Return the function index of every table slot that an element segment initializes."""
    entries: dict[int, int] = {}
    size = module.tables[0][0] if module.tables else 0
    for segment in module.elements:
        offset = _const(segment.offset, module)
        if offset + len(segment.func_indices) > size:
            raise UnsupportedError(
                f"an element segment at offset {offset} with {len(segment.func_indices)} "
                f"entries does not fit the table of {size} entries; instantiation fails")
        for k, function_index in enumerate(segment.func_indices):
            entries[offset + k] = function_index
    return entries
