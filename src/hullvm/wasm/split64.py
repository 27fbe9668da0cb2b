"""Rewrite a validated module into one whose code uses only i32 values, for the lowering.

The machine's stack slots hold 32-bit words, so each i64 value becomes two i32 values, the low
word first and the high word on top. An i64 local, parameter or global becomes two i32 ones
(low, then high). Every i64 instruction becomes i32 code. Add, sub, comparisons, loads,
stores and shifts by a constant are inline and use a few scratch locals per function. Mul,
div, rem and variable shifts and rotates become calls of helper functions (`helpers.wat`).

WebAssembly 1.0 allows one result per function and block, so an i64 result leaves its low
word on the stack and passes its high word in the global `hi`: the producer (a function's
end or `return`, a branch to a block, a block's fallthrough, a helper) sets `hi` right
before it transfers control, and the consumer reads it right after. Nothing runs in between.

`memory.grow` becomes i32 code on two added globals: the current page count and the number
of bytes between the current memory end and the largest memory (`gap`), which the lowering
uses to bounds-check loads and stores. Function indices do not change. Calls of helpers use
indices past the module's functions, listed in `SplitModule.helper_calls`.

The result is validated again, which annotates stack heights in slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hullvm.errors import UnsupportedError
from hullvm.wasm.module import FuncType, Function, Global, Instr, Module
from hullvm.wasm.validate import _FunctionValidator

MASK = 0xFFFFFFFF
PAGE = 65536

# i64 operations computed by a helper function taking (a_lo, a_hi, b_lo, b_hi); the value is
# the helper's export name.
HELPED64 = {
    "i64.mul": "mul64", "i64.div_s": "div64_s", "i64.div_u": "div64_u",
    "i64.rem_s": "rem64_s", "i64.rem_u": "rem64_u", "i64.shl": "shl64",
    "i64.shr_s": "shr64_s", "i64.shr_u": "shr64_u", "i64.rotl": "rotl64", "i64.rotr": "rotr64",
}
HELPER_TYPE = FuncType(("i32",) * 4, ("i32",))
# For each i64 comparison: the strict comparison of the high words and the comparison of the
# low words used when the high words are equal.
COMPARES64 = {
    "i64.lt_s": ("i32.lt_s", "i32.lt_u"), "i64.lt_u": ("i32.lt_u", "i32.lt_u"),
    "i64.gt_s": ("i32.gt_s", "i32.gt_u"), "i64.gt_u": ("i32.gt_u", "i32.gt_u"),
    "i64.le_s": ("i32.lt_s", "i32.le_u"), "i64.le_u": ("i32.lt_u", "i32.le_u"),
    "i64.ge_s": ("i32.gt_s", "i32.ge_u"), "i64.ge_u": ("i32.gt_u", "i32.ge_u"),
}
# i64 loads narrower than 8 bytes: the i32 load of the low word and whether the high word
# is the sign of the low word (else 0).
NARROW_LOADS64 = {
    "i64.load8_s": ("i32.load8_s", True), "i64.load8_u": ("i32.load8_u", False),
    "i64.load16_s": ("i32.load16_s", True), "i64.load16_u": ("i32.load16_u", False),
    "i64.load32_s": ("i32.load", True), "i64.load32_u": ("i32.load", False),
}
NARROW_STORES64 = {"i64.store8": "i32.store8", "i64.store16": "i32.store16",
                   "i64.store32": "i32.store"}
# Scratch locals added to every function that needs them.
N_TEMPS = 5


@dataclass
class GrowState:
    """Globals that track the memory size of a module that uses memory.grow."""

    pages_global: int  # the current size in pages
    gap_global: int  # (max_pages - current pages) * 65536
    store_global: int  # contains a store's value while the lowering checks its address
    max_pages: int  # the size memory.grow stops at


@dataclass
class SplitModule:
    """The rewritten module and what the lowering needs to know about the rewrite."""

    module: Module
    original: Module
    global_map: dict[int, int]  # original global index -> index of its (low) i32 global
    hi_global: int | None  # the global that carries the high word of i64 results
    grow: GrowState | None
    helper_calls: dict[int, str] = field(default_factory=dict)  # call index -> helper name


def _split_types(types: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for t in types:
        out.extend(("i32", "i32") if t == "i64" else (t,))
    return tuple(out)


def _split_result(types: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("i32" if t == "i64" else t for t in types)


def _split_signature(ftype: FuncType) -> FuncType:
    return FuncType(_split_types(ftype.params), _split_result(ftype.results))


def uses_i64(module: Module) -> bool:
    for ftype in (*module.types, *module.func_types):
        if "i64" in ftype.params or "i64" in ftype.results:
            return True
    if any(g.type == "i64" for g in module.globals):
        return True
    for function in module.functions:
        if "i64" in function.locals:
            return True
        for ins in function.body:
            if "i64" in ins.name:
                return True
            if ins.name in ("block", "loop", "if") and "i64" in ins.imm[0].results:
                return True
    return False


def uses_grow(module: Module) -> bool:
    return any(ins.name == "memory.grow" for f in module.functions for ins in f.body)


def _global_value(module: Module, index: int) -> int:
    value = module.globals[index].init
    if isinstance(value, tuple) and value[0] == "global.get":
        return _global_value(module, value[1])
    if not isinstance(value, int):
        raise UnsupportedError(f"global {index} has the initializer {value!r}, which the "
                               f"machine cannot evaluate; only constant initializers run")
    return value


class _TypeRecorder(_FunctionValidator):
    """A validator that also records the operand type of every drop and select."""

    def __init__(self, module: Module, function: Function) -> None:
        super().__init__(module, function)
        self.operand_types: dict[int, str | None] = {}
        plain_select = self.handlers["select"]

        def drop(instr: Instr) -> None:
            accessible = len(self.stack) > self.frames[-1].height
            self.operand_types[self.position] = self.stack[-1] if accessible else None
            self._pop((None,))

        def select(instr: Instr) -> None:
            plain_select(instr)
            self.operand_types[self.position] = self.stack[-1]

        self.handlers["drop"] = drop
        self.handlers["select"] = select


def split_module(module: Module, memory_limit: int, scratch_bytes: int) -> SplitModule:
    """Return the i32-only form of a validated module.

    `memory_limit` is the machine's address limit and `scratch_bytes` the size of the scratch
    memory the lowering places after the globals. They bound the pages memory.grow can reach.
    """
    has_i64 = uses_i64(module)
    grows = uses_grow(module)
    new = Module(
        types=[_split_signature(t) for t in module.types],
        imports=list(module.imports),
        func_type_indices=list(module.func_type_indices),
        func_types=[_split_signature(t) for t in module.func_types],
        tables=list(module.tables), memories=list(module.memories),
        exports=dict(module.exports), export_list=list(module.export_list),
        start=module.start, elements=list(module.elements), data=list(module.data),
        func_names=dict(module.func_names),
    )
    global_map: dict[int, int] = {}
    for index, glob in enumerate(module.globals):
        global_map[index] = len(new.globals)
        value = _global_value(module, index) if glob.init is not None else 0
        if glob.type == "i64":
            new.globals.append(Global("i32", glob.mutable, value & MASK))
            new.globals.append(Global("i32", glob.mutable, (value >> 32) & MASK))
        else:
            new.globals.append(Global(glob.type, glob.mutable, value))
    hi_global = None
    if has_i64:
        hi_global = len(new.globals)
        new.globals.append(Global("i32", True, 0))
    grow = None
    if grows:
        base = len(new.globals)
        initial, declared_max = module.memories[0]
        room = (memory_limit - 4 * (base + 3) - scratch_bytes) // PAGE
        max_pages = room if declared_max is None else min(declared_max, room)
        if max_pages < initial:
            raise UnsupportedError(
                f"the module's memory of {initial} pages plus its globals exceeds the machine's "
                f"{memory_limit // PAGE} pages; use a smaller initial memory")
        grow = GrowState(base, base + 1, base + 2, max_pages)
        new.globals.append(Global("i32", True, initial))
        new.globals.append(Global("i32", True, (max_pages - initial) * PAGE))
        new.globals.append(Global("i32", True, 0))
    split = SplitModule(new, module, global_map, hi_global, grow)
    helper_index: dict[str, int] = {}
    for name in HELPED64.values():
        index = len(new.func_types)
        new.func_types.append(HELPER_TYPE)
        helper_index[name] = index
        split.helper_calls[index] = name
    for function in module.functions:
        new.functions.append(_split_function(split, function, helper_index))
    for function in new.functions:
        _FunctionValidator(new, function).run()
    return split


class _Writer:
    """Builds the rewritten body of one function."""

    def __init__(self, split: SplitModule, function: Function,
                 helper_index: dict[str, int]) -> None:
        self.split = split
        self.original = split.original
        self.function = function
        self.helper_index = helper_index
        local_types = function.type.params + function.locals
        self.local_map: dict[int, int] = {}
        position = 0
        for index, t in enumerate(local_types):
            self.local_map[index] = position
            position += 2 if t == "i64" else 1
        self.local_types = local_types
        self.n_params = len(_split_types(function.type.params))
        self.new_locals = list(_split_types(function.locals))
        self.temp_base = position
        self.new_locals.extend(["i32"] * N_TEMPS)
        self.out: list[Instr] = []
        self.offset = 0
        self.temps_used = False

    def emit(self, name: str, *imm) -> None:
        self.out.append(Instr(name, tuple(imm), self.offset))

    def temp(self, k: int) -> int:
        self.temps_used = True
        return self.temp_base + k

    def get(self, k: int) -> None:
        self.emit("local.get", self.temp(k))

    def set(self, k: int) -> None:
        self.emit("local.set", self.temp(k))

    def tee(self, k: int) -> None:
        self.emit("local.tee", self.temp(k))

    def const(self, value: int) -> None:
        self.emit("i32.const", _signed32(value))

    def op(self, name: str, k: int | None = None) -> None:
        """Emit an i32 operation, after `i32.const k` when k is given (a constant sequence)."""
        if k is not None:
            self.const(k)
        self.emit(name)

    def save_hi(self) -> None:
        self.emit("global.set", self.split.hi_global)

    def load_hi(self) -> None:
        self.emit("global.get", self.split.hi_global)


def _signed32(value: int) -> int:
    value &= MASK
    return value - (1 << 32) if value >> 31 else value


def _split_function(split: SplitModule, function: Function,
                    helper_index: dict[str, int]) -> Function:
    recorder = _TypeRecorder(split.original, function)
    recorder.run()
    w = _Writer(split, function, helper_index)
    body = function.body
    final = len(body) - 1
    block_results: dict[int, tuple[str, ...]] = {final: function.type.results}
    for ins in body:
        if ins.name in ("block", "loop", "if") and ins.end_index is not None:
            block_results[ins.end_index] = ins.imm[0].results

    def carries_i64(target) -> bool:
        if target.arity == 0 or body[target.index].name == "loop":
            return False
        return block_results.get(target.index, ()) == ("i64",)

    dead = False  # an `unreachable` stands for the dead code since the last structured point
    const_at = -1  # output length before the i64.const just emitted, when body[i - 1] is one
    for i, ins in enumerate(body):
        w.offset = ins.offset
        name = ins.name
        previous_const = const_at
        const_at = -1
        if name in ("block", "loop", "if", "else", "end"):
            dead = False
            if name in ("else", "end") and block_results.get(ins.end_index if name == "else"
                                                             else i) == ("i64",):
                w.save_hi()
            if name in ("block", "loop", "if"):
                ftype = ins.imm[0]
                w.emit(name, FuncType(_split_types(ftype.params), _split_result(ftype.results)))
            else:
                w.emit(name)
            if name == "end" and i != final and block_results.get(i) == ("i64",) \
                    and ins.height is not None:
                w.load_hi()
            continue
        if ins.height is None:
            if not dead:
                w.emit("unreachable")
                dead = True
            continue
        if name == "i64.const":
            const_at = len(w.out)
            value = ins.imm[0]
            w.const(value)
            w.const(value >> 32)
            continue
        constant = None
        if previous_const >= 0 and name in _CONST_FORMS:
            constant = body[i - 1].imm[0] & 0xFFFFFFFFFFFFFFFF
            del w.out[previous_const:]
        _rewrite(w, ins, i, recorder.operand_types, carries_i64, constant)
    if not w.temps_used:
        del w.new_locals[w.temp_base - w.n_params:]
    return Function(function.index, _split_signature(function.type), tuple(w.new_locals), w.out,
                    function.name)


def _rewrite(w: _Writer, ins: Instr, i: int, operand_types, carries_i64, constant) -> None:
    name = ins.name
    split = w.split
    if name in ("local.get", "local.set", "local.tee"):
        index = ins.imm[0]
        slot = w.local_map[index]
        if w.local_types[index] != "i64":
            w.emit(name, slot)
        elif name == "local.get":
            w.emit("local.get", slot)
            w.emit("local.get", slot + 1)
        elif name == "local.set":
            w.emit("local.set", slot + 1)
            w.emit("local.set", slot)
        else:
            w.emit("local.set", slot + 1)
            w.emit("local.tee", slot)
            w.emit("local.get", slot + 1)
    elif name in ("global.get", "global.set"):
        index = ins.imm[0]
        slot = split.global_map[index]
        if split.original.globals[index].type != "i64":
            w.emit(name, slot)
        elif name == "global.get":
            w.emit("global.get", slot)
            w.emit("global.get", slot + 1)
        else:
            w.emit("global.set", slot + 1)
            w.emit("global.set", slot)
    elif name == "drop":
        w.emit("drop")
        if operand_types.get(i) == "i64":
            w.emit("drop")
    elif name == "select":
        if operand_types.get(i) != "i64":
            w.emit("select")
            return
        # [a_lo, a_hi, b_lo, b_hi, c] -> [c ? a_lo : b_lo, c ? a_hi : b_hi]
        w.set(4)
        w.set(3)
        w.set(2)
        w.set(1)
        w.get(2)
        w.get(4)
        w.emit("select")
        w.get(1)
        w.get(3)
        w.get(4)
        w.emit("select")
    elif name in ("br", "br_if", "br_table"):
        target = ins.targets[-1] if name == "br_table" else ins.target
        if not carries_i64(target):
            w.emit(name, *ins.imm)
        elif name == "br":
            w.save_hi()
            w.emit("br", *ins.imm)
        else:
            w.set(0)
            w.save_hi()
            w.get(0)
            w.emit(name, *ins.imm)
            if name == "br_if":
                w.load_hi()
    elif name == "return":
        if w.function.type.results == ("i64",):
            w.save_hi()
        w.emit("return")
    elif name in ("call", "call_indirect"):
        w.emit(name, *ins.imm)
        if name == "call":
            ftype = split.original.func_types[ins.imm[0]]
        else:
            ftype = split.original.types[ins.imm[0]]
        if ftype.results == ("i64",):
            w.load_hi()
    elif name == "memory.size" and split.grow is not None:
        w.emit("global.get", split.grow.pages_global)
    elif name == "memory.grow":
        _grow(w)
    elif _is_float_conversion(name):
        _rewrite_float_conversion(w, name)
    elif name.startswith("i64.") or name == "i32.wrap_i64":
        _rewrite_i64(w, ins, constant)
    else:
        w.emit(name, *ins.imm)


def _is_float_conversion(name: str) -> bool:
    return ("i64" in name) and ("f32" in name or "f64" in name)


def _rewrite_float_conversion(w: _Writer, name: str) -> None:
    """Replace a conversion between i64 and a float type by an i32 one of the same float type.

    The lowering turns every float instruction into the float trap, so the replacement
    traps just as the original would on the machine. It only keeps the types valid.
    """
    result_type, operator = name.split(".")
    if result_type == "i64":
        source = "f64" if "f64" in operator else "f32"
        w.emit(f"i32.trunc_{source}_s")
        w.const(0)
    else:
        w.emit("drop")
        w.emit(f"{result_type}.convert_i32_s")


def _grow(w: _Writer) -> None:
    """[delta] -> [old pages, or -1 when the memory would pass its maximum]."""
    grow = w.split.grow
    w.set(0)
    # t1 = delta >u max_pages - pages: the request fails
    w.get(0)
    w.const(grow.max_pages)
    w.emit("global.get", grow.pages_global)
    w.emit("i32.sub")
    w.emit("i32.gt_u")
    w.set(1)
    w.const(-1)
    w.emit("global.get", grow.pages_global)
    w.get(1)
    w.emit("select")
    # t0 = the pages added: 0 on failure
    w.const(0)
    w.get(0)
    w.get(1)
    w.emit("select")
    w.set(0)
    w.emit("global.get", grow.pages_global)
    w.get(0)
    w.emit("i32.add")
    w.emit("global.set", grow.pages_global)
    w.emit("global.get", grow.gap_global)
    w.get(0)
    w.op("i32.shl", 16)
    w.emit("i32.sub")
    w.emit("global.set", grow.gap_global)


# i64 operations that have a shorter form when their second operand is an i64.const.
_CONST_FORMS = ("i64.and", "i64.or", "i64.xor", "i64.shl", "i64.shr_u", "i64.shr_s",
                "i64.rotl", "i64.rotr")


def _rewrite_i64(w: _Writer, ins: Instr, constant: int | None) -> None:
    name = ins.name
    if constant is not None:
        _constant_operation(w, name, constant)
    elif name == "i64.add":
        w.set(3)
        w.set(2)
        w.set(1)
        w.get(2)
        w.emit("i32.add")
        w.tee(0)
        w.get(0)
        w.get(2)
        w.emit("i32.lt_u")  # carry out of the low word
        w.get(1)
        w.emit("i32.add")
        w.get(3)
        w.emit("i32.add")
    elif name == "i64.sub":
        w.set(3)
        w.set(2)
        w.set(1)
        w.tee(0)
        w.get(2)
        w.emit("i32.sub")
        w.get(1)
        w.get(3)
        w.emit("i32.sub")
        w.get(0)
        w.get(2)
        w.emit("i32.lt_u")  # borrow from the high word
        w.emit("i32.sub")
    elif name in ("i64.and", "i64.or", "i64.xor"):
        word_op = "i32." + name[4:]
        w.set(3)
        w.set(2)
        w.set(1)
        w.get(2)
        w.emit(word_op)
        w.get(1)
        w.get(3)
        w.emit(word_op)
    elif name in ("i64.eq", "i64.ne"):
        w.set(3)
        w.set(2)
        w.set(1)
        w.get(2)
        w.emit("i32.eq")
        w.get(1)
        w.get(3)
        w.emit("i32.eq")
        w.emit("i32.add")
        w.op("i32.eq" if name == "i64.eq" else "i32.ne", 2)
    elif name == "i64.eqz":
        w.set(0)
        w.emit("i32.eqz")
        w.get(0)
        w.emit("i32.eqz")
        w.emit("i32.add")
        w.op("i32.eq", 2)
    elif name in COMPARES64:
        high_op, low_op = COMPARES64[name]
        w.set(3)
        w.set(2)
        w.set(1)
        w.get(2)
        w.emit(low_op)
        w.get(1)
        w.get(3)
        w.emit(high_op)
        w.get(1)
        w.get(3)
        w.emit("i32.eq")
        w.emit("select")
    elif name in HELPED64:
        w.emit("call", w.helper_index[HELPED64[name]])
        w.load_hi()
    elif name == "i64.clz":
        # hi != 0 ? clz(hi) : 32 + clz(lo)
        w.set(1)
        w.set(0)
        w.get(1)
        w.emit("i32.clz")
        w.get(0)
        w.emit("i32.clz")
        w.op("i32.add", 32)
        w.get(1)
        w.emit("select")
        w.const(0)
    elif name == "i64.ctz":
        # lo != 0 ? ctz(lo) : 32 + ctz(hi)
        w.set(1)
        w.tee(0)
        w.emit("i32.ctz")
        w.get(1)
        w.emit("i32.ctz")
        w.op("i32.add", 32)
        w.get(0)
        w.emit("select")
        w.const(0)
    elif name == "i64.popcnt":
        w.set(1)
        w.emit("i32.popcnt")
        w.get(1)
        w.emit("i32.popcnt")
        w.emit("i32.add")
        w.const(0)
    elif name == "i32.wrap_i64":
        w.emit("drop")
    elif name == "i64.extend_i32_u":
        w.const(0)
    elif name == "i64.extend_i32_s":
        _push_sign(w)
    elif name in ("i64.extend8_s", "i64.extend16_s"):
        w.emit("drop")
        w.emit("i32." + name[4:])
        _push_sign(w)
    elif name == "i64.extend32_s":
        w.emit("drop")
        _push_sign(w)
    elif name == "i64.load":
        _load64(w, ins)
    elif name in NARROW_LOADS64:
        load, signed = NARROW_LOADS64[name]
        w.emit(load, min(ins.imm[0], 2), ins.imm[1])
        if signed:
            _push_sign(w)
        else:
            w.const(0)
    elif name == "i64.store":
        _store64(w, ins)
    elif name in NARROW_STORES64:
        w.emit("drop")
        w.emit(NARROW_STORES64[name], min(ins.imm[0], 2), ins.imm[1])
    else:
        raise UnsupportedError(f"instruction {name} has no i32 form")


def _push_sign(w: _Writer) -> None:
    """[x] -> [x, x >>s 31]: the high word of x sign-extended to 64 bits."""
    w.tee(0)
    w.get(0)
    w.op("i32.shr_s", 31)


def _high_offset(offset: int) -> int:
    # An offset past 32 bits always traps, and so does the largest 32-bit one.
    return min(offset + 4, MASK)


def _load64(w: _Writer, ins: Instr) -> None:
    align, offset = ins.imm
    w.tee(0)
    w.emit("i32.load", min(align, 2), offset)
    w.get(0)
    w.emit("i32.load", min(align, 2), _high_offset(offset))


def _store64(w: _Writer, ins: Instr) -> None:
    # The high word is stored first: when it is in bounds, so is the low word, so a trapping
    # store changes no memory.
    align, offset = ins.imm
    w.set(2)
    w.set(1)
    w.tee(0)
    w.get(2)
    w.emit("i32.store", min(align, 2), _high_offset(offset))
    w.get(0)
    w.get(1)
    w.emit("i32.store", min(align, 2), offset)


def _constant_operation(w: _Writer, name: str, constant: int) -> None:
    """Emit `name` with the i64 constant second operand; [lo, hi] -> [lo', hi']."""
    low, high = constant & MASK, constant >> 32
    if name in ("i64.and", "i64.or", "i64.xor"):
        word_op = "i32." + name[4:]
        w.set(1)
        w.op(word_op, low)
        w.get(1)
        w.op(word_op, high)
        return
    k = constant & 63
    if name == "i64.rotr":
        name, k = "i64.rotl", (64 - k) & 63
    if k == 0:
        return
    if name == "i64.shl":
        if k >= 32:
            w.emit("drop")
            if k > 32:
                w.op("i32.shl", k - 32)
            w.set(1)
            w.const(0)
            w.get(1)
        else:
            w.set(1)
            w.tee(0)
            w.op("i32.shl", k)
            w.get(1)
            w.op("i32.shl", k)
            w.get(0)
            w.op("i32.shr_u", 32 - k)
            w.emit("i32.add")
    elif name in ("i64.shr_u", "i64.shr_s"):
        word_shift = "i32." + name[4:]
        w.set(1)
        if k >= 32:
            w.emit("drop")
            w.get(1)
            if k > 32:
                w.op(word_shift, k - 32)
            if name == "i64.shr_u":
                w.const(0)
            else:
                w.get(1)
                w.op("i32.shr_s", 31)
        else:
            w.op("i32.shr_u", k)
            w.get(1)
            w.op("i32.shl", 32 - k)
            w.emit("i32.add")
            w.get(1)
            w.op(word_shift, k)
    else:  # i64.rotl
        if k >= 32:
            w.set(1)
            w.set(0)
            w.get(1)
            w.get(0)
            k -= 32
            if k == 0:
                return
        w.set(1)
        w.tee(0)
        w.op("i32.shl", k)
        w.get(1)
        w.op("i32.shr_u", 32 - k)
        w.emit("i32.add")
        w.get(1)
        w.op("i32.shl", k)
        w.get(0)
        w.op("i32.shr_u", 32 - k)
        w.emit("i32.add")
