"""Validator for decoded WebAssembly 1.0 modules.

Function bodies are type-checked with the operand-stack and control-stack algorithm from the
appendix of the WebAssembly 1.0 specification. While checking, the validator writes stack
heights, block extents and branch targets into each `Instr` for later lowering passes.

Beyond 1.0, the validator accepts what the decoder accepts (sign-extension operators and
saturating float-to-int conversions). It also accepts the import and export of mutable
globals, which 1.0 forbids but the mutable-global proposal allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NoReturn

from hullvm.errors import WasmValidationError
from hullvm.wasm.module import (
    VALUE_TYPES,
    BranchTarget,
    FuncType,
    Function,
    Global,
    Instr,
    Limits,
    Module,
)

MAX_MEMORY_PAGES = 65536  # 4 GiB of 64 KiB pages, the most a 32-bit address can reach

_ANY = None  # operand type in unreachable code, or an expected type that matches all


def _format_types(types: tuple | list) -> str:
    return "[" + " ".join("any" if t is _ANY else t for t in types) + "]"


def _numeric_signatures() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Build the operand and result types of every instruction whose type has no immediates."""
    signatures: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def add(t: str, operators: str, params: tuple[str, ...], results: tuple[str, ...]) -> None:
        for operator in operators.split():
            signatures[f"{t}.{operator}"] = (params, results)

    for t in ("i32", "i64"):
        add(t, "eqz", (t,), ("i32",))
        add(t, "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u", (t, t), ("i32",))
        add(t, "clz ctz popcnt extend8_s extend16_s", (t,), (t,))
        add(t, "add sub mul div_s div_u rem_s rem_u and or xor", (t, t), (t,))
        add(t, "shl shr_s shr_u rotl rotr", (t, t), (t,))
    add("i64", "extend32_s", ("i64",), ("i64",))
    for t in ("f32", "f64"):
        add(t, "eq ne lt gt le ge", (t, t), ("i32",))
        add(t, "abs neg ceil floor trunc nearest sqrt", (t,), (t,))
        add(t, "add sub mul div min max copysign", (t, t), (t,))
    conversions = (
        "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u"
        " i64.extend_i32_s i64.extend_i32_u"
        " i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u"
        " f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64"
        " f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32"
        " i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64"
        " i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u"
        " i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u"
    )
    for name in conversions.split():
        result_type, operator = name.split(".")
        # The source type is the one value-type word in the operator, as in "trunc_sat_f64_u".
        source_type = next(word for word in operator.split("_") if word in VALUE_TYPES)
        signatures[name] = ((source_type,), (result_type,))
    return signatures


def _memory_accesses() -> dict[str, tuple[str, int, bool]]:
    """Map each load and store to (value type, access width in bytes, is_store)."""
    accesses: dict[str, tuple[str, int, bool]] = {}
    natural_width = {"i32": 4, "i64": 8, "f32": 4, "f64": 8}
    names = (
        "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u"
        " i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u"
        " i32.store i64.store f32.store f64.store"
        " i32.store8 i32.store16 i64.store8 i64.store16 i64.store32"
    )
    for name in names.split():
        value_type, operator = name.split(".")
        bits = "".join(char for char in operator.split("_")[0] if char.isdigit())
        width = int(bits) // 8 if bits else natural_width[value_type]
        accesses[name] = (value_type, width, operator.startswith("store"))
    return accesses


_SIGNATURES = _numeric_signatures()
_MEMORY_ACCESSES = _memory_accesses()
_CONST_TYPES = {"i32.const": "i32", "i64.const": "i64", "f32.const": "f32", "f64.const": "f64"}


def describe_function(module: Module, index: int) -> str:
    """Name a function for messages: its index and, when known, its name."""
    name = module.func_names.get(index)
    return f'function {index} "{name}"' if name else f"function {index}"


def validate_module(module: Module) -> None:
    """Validate a decoded module and annotate every function body instruction in place.

    Raises WasmValidationError naming the function, instruction and byte offset (or the
    module-level entity) that is invalid.
    """
    _check_types(module)
    _check_imports_and_limits(module)
    _check_globals(module)
    _check_exports_and_start(module)
    _check_segments(module)
    for function in module.functions:
        _FunctionValidator(module, function).run()


# ---- module-level checks -----------------------------------------------------------------------


def _check_types(module: Module) -> None:
    for index, func_type in enumerate(module.types):
        if len(func_type.results) > 1:
            raise WasmValidationError(
                f"type {index} {func_type} has {len(func_type.results)} results, but "
                "WebAssembly 1.0 allows at most one"
            )
    imported = module.num_imported_functions
    for index, type_index in enumerate(module.func_type_indices):
        if type_index >= len(module.types):
            where = f"import of function {index}" if index < imported else f"function {index}"
            raise WasmValidationError(
                f"{where} uses unknown type {type_index}; the module has {len(module.types)} types"
            )


def _check_limits(limits: Limits, entity: str, maximum: int) -> None:
    minimum, declared_max = limits
    if minimum > maximum:
        raise WasmValidationError(f"{entity} minimum size {minimum} exceeds the limit {maximum}")
    if declared_max is not None:
        if declared_max > maximum:
            raise WasmValidationError(
                f"{entity} maximum size {declared_max} exceeds the limit {maximum}"
            )
        if declared_max < minimum:
            raise WasmValidationError(
                f"{entity} maximum size {declared_max} is smaller than its minimum size {minimum}"
            )


def _check_imports_and_limits(module: Module) -> None:
    if len(module.tables) > 1:
        raise WasmValidationError(
            f"module has {len(module.tables)} tables, but WebAssembly 1.0 allows at most one"
        )
    if len(module.memories) > 1:
        raise WasmValidationError(
            f"module has {len(module.memories)} memories, but WebAssembly 1.0 allows at most one"
        )
    for index, limits in enumerate(module.tables):
        _check_limits(limits, f"table {index}", 2**32 - 1)
    for index, limits in enumerate(module.memories):
        _check_limits(limits, f"memory {index}", MAX_MEMORY_PAGES)


def _check_const_expr(module: Module, key: tuple[str, int], expected: str, entity: str) -> None:
    code = module.const_exprs.get(key, ())
    if len(code) != 1:
        names = " ".join(instr.name for instr in code)
        raise WasmValidationError(
            f"{entity}: constant expression must be a single const or global.get instruction "
            f"of type {expected}, found [{names}]"
        )
    instr = code[0]
    where = f"{entity}: {instr.name} at byte offset {instr.offset:#x}"
    if instr.name in _CONST_TYPES:
        actual = _CONST_TYPES[instr.name]
    elif instr.name == "global.get":
        index = instr.imm[0]
        imported_globals = sum(1 for entry in module.imports if entry.kind == "global")
        # WebAssembly 1.0 lets constant expressions read imported globals only.
        if index >= imported_globals:
            raise WasmValidationError(
                f"{where}: unknown global {index}; constant expressions may read only the "
                f"{imported_globals} imported globals"
            )
        if module.globals[index].mutable:
            raise WasmValidationError(
                f"{where}: constant expressions may not read mutable global {index}"
            )
        actual = module.globals[index].type
    else:
        raise WasmValidationError(f"{where}: instruction is not allowed in a constant expression")
    if actual != expected:
        raise WasmValidationError(
            f"{where}: type mismatch: constant expression has type {actual} but {expected} "
            "is required"
        )


def _check_globals(module: Module) -> None:
    for index, global_ in enumerate(module.globals):
        if ("global", index) in module.const_exprs:
            _check_const_expr(module, ("global", index), global_.type, f"global {index}")


def _check_exports_and_start(module: Module) -> None:
    sizes = {
        "func": len(module.func_types),
        "table": len(module.tables),
        "memory": len(module.memories),
        "global": len(module.globals),
    }
    seen: set[str] = set()
    for entry in module.export_list:
        if entry.name in seen:
            raise WasmValidationError(f'duplicate export name "{entry.name}"')
        seen.add(entry.name)
        if entry.index >= sizes[entry.kind]:
            raise WasmValidationError(
                f'export "{entry.name}" refers to unknown {entry.kind} {entry.index}; the module '
                f"has {sizes[entry.kind]}"
            )
    if module.start is not None:
        if module.start >= len(module.func_types):
            raise WasmValidationError(
                f"start function {module.start} is unknown; the module has "
                f"{len(module.func_types)} functions"
            )
        start_type = module.func_types[module.start]
        if start_type.params or start_type.results:
            raise WasmValidationError(
                f"start {describe_function(module, module.start)} has type {start_type}, "
                "but the start function must have type [] -> []"
            )


def _check_segments(module: Module) -> None:
    for index, segment in enumerate(module.elements):
        entity = f"element segment {index}"
        if segment.table_index >= len(module.tables):
            raise WasmValidationError(f"{entity} refers to unknown table {segment.table_index}")
        _check_const_expr(module, ("elem", index), "i32", entity)
        for func_index in segment.func_indices:
            if func_index >= len(module.func_types):
                raise WasmValidationError(f"{entity} refers to unknown function {func_index}")
    for index, segment in enumerate(module.data):
        entity = f"data segment {index}"
        if segment.memory_index >= len(module.memories):
            raise WasmValidationError(f"{entity} refers to unknown memory {segment.memory_index}")
        _check_const_expr(module, ("data", index), "i32", entity)


# ---- function bodies ---------------------------------------------------------------------------


@dataclass
class _Frame:
    """Control-stack entry: one enclosing block, loop, if/else, or the function itself."""

    kind: str  # 'function', 'block', 'loop', 'if' or 'else'
    block_type: FuncType
    height: int  # operand stack height below the block's parameters
    index: int  # body index of the opening instruction, or -1 for the function
    dead_entry: bool  # the opening instruction was itself unreachable
    end_index: int | None = None
    else_index: int | None = None
    unreachable: bool = False

    def label_types(self) -> tuple[str, ...]:
        # A branch to a loop restarts it, so it carries the loop's parameters.
        return self.block_type.params if self.kind == "loop" else self.block_type.results


class _FunctionValidator:
    """Type checker and annotator for one function body."""

    def __init__(self, module: Module, function: Function) -> None:
        self.module = module
        self.function = function
        self.local_types = function.type.params + function.locals
        self.stack: list[str | None] = []
        self.frames: list[_Frame] = []
        self.instr = Instr("")
        self.position = 0
        # (instruction, frames it may branch to) resolved once every end_index is known.
        self.branches: list[tuple[Instr, list[_Frame]]] = []
        self.handlers: dict[str, Callable[[Instr], None]] = {
            "unreachable": self._unreachable,
            "nop": lambda instr: None,
            "block": self._block,
            "loop": self._block,
            "if": self._if,
            "else": self._else,
            "end": self._end,
            "br": self._br,
            "br_if": self._br_if,
            "br_table": self._br_table,
            "return": self._return,
            "call": self._call,
            "call_indirect": self._call_indirect,
            "drop": lambda instr: self._pop((_ANY,)),
            "select": self._select,
            "local.get": self._local_get,
            "local.set": self._local_set,
            "local.tee": self._local_tee,
            "global.get": self._global_get,
            "global.set": self._global_set,
            "memory.size": self._memory_size,
            "memory.grow": self._memory_grow,
        }

    def fail(self, message: str) -> NoReturn:
        where = describe_function(self.module, self.function.index)
        instr = self.instr
        raise WasmValidationError(
            f"{where}: {instr.name} at byte offset {instr.offset:#x}: {message}"
        )

    def run(self) -> None:
        body = self.function.body
        function_frame = _Frame("function", self.function.type, 0, -1, False, len(body) - 1)
        self.frames.append(function_frame)
        for position, instr in enumerate(body):
            self.position = position
            self.instr = instr
            if not self.frames:
                self.fail("instruction follows the function's final end")
            frame = self.frames[-1]
            instr.end_index = instr.else_index = instr.target = instr.targets = None
            if instr.name in ("end", "else"):
                # Fallthrough and branches alike reach an end with the block results above the
                # label height, so the height is known even after dead code.
                reached = not frame.dead_entry
                instr.height = frame.height + len(frame.block_type.results) if reached else None
            elif frame.unreachable or frame.dead_entry:
                instr.height = None
            else:
                instr.height = len(self.stack)
            handler = self.handlers.get(instr.name)
            if handler is not None:
                handler(instr)
            elif instr.name in _MEMORY_ACCESSES:
                self._memory_access(instr)
            elif instr.name in _CONST_TYPES:
                self.stack.append(_CONST_TYPES[instr.name])
            elif instr.name in _SIGNATURES:
                params, results = _SIGNATURES[instr.name]
                self._pop(params)
                self.stack.extend(results)
            else:
                self.fail("instruction is not supported by this validator")
        if self.frames:
            self.fail("function body ends before its final end")
        for instr, frames in self.branches:
            targets = tuple(self._branch_target(frame) for frame in frames)
            if instr.name == "br_table":
                instr.targets = targets
            else:
                instr.target = targets[0]

    # ---- operand stack ---------------------------------------------------------------------

    def _accessible(self) -> list[str | None]:
        return self.stack[self.frames[-1].height :]

    def _mismatch(self, expected: tuple, context: str) -> NoReturn:
        accessible = self._accessible()
        stack_text = _format_types(accessible[-8:])
        if len(accessible) > 8:
            stack_text = "[... " + stack_text[1:]
        self.fail(
            f"type mismatch: {context} expects {_format_types(expected)} but the stack has "
            f"{stack_text}"
        )

    def _pop(self, expected: tuple, context: str | None = None) -> list[str | None]:
        """Pop values matching `expected` (deepest first) and return their actual types."""
        frame = self.frames[-1]
        available = len(self.stack) - frame.height
        count = len(expected)
        if available >= count:
            actual = self.stack[len(self.stack) - count :]
        elif frame.unreachable:
            # Unreachable code may pop values that were never pushed, and they match any type.
            actual = [_ANY] * (count - available) + self.stack[frame.height :]
        else:
            self._mismatch(expected, context or self.instr.name)
        for want, have in zip(expected, actual):
            if want is not _ANY and have is not _ANY and want != have:
                self._mismatch(expected, context or self.instr.name)
        del self.stack[len(self.stack) - min(count, available) :]
        return actual

    def _pop_exactly(self, expected: tuple[str, ...], context: str) -> None:
        """Pop `expected` and require that nothing else of the current block stays behind."""
        popped = self._pop(expected, context)
        if len(self.stack) != self.frames[-1].height:
            everything = self._accessible() + popped
            self.fail(
                f"type mismatch: {context} expects {_format_types(expected)} but the stack has "
                f"{_format_types(everything)}"
            )

    def _set_unreachable(self) -> None:
        frame = self.frames[-1]
        del self.stack[frame.height :]
        frame.unreachable = True

    # ---- control ---------------------------------------------------------------------------

    def _unreachable(self, instr: Instr) -> None:
        self._set_unreachable()

    def _push_frame(self, kind: str, block_type: FuncType) -> None:
        outer = self.frames[-1]
        self._pop(block_type.params)
        self.frames.append(
            _Frame(
                kind,
                block_type,
                len(self.stack),
                self.position,
                outer.dead_entry or outer.unreachable,
            )
        )
        self.stack.extend(block_type.params)

    def _block(self, instr: Instr) -> None:
        self._push_frame(instr.name, instr.imm[0])

    def _if(self, instr: Instr) -> None:
        self._pop(("i32",))
        self._push_frame("if", instr.imm[0])

    def _else(self, instr: Instr) -> None:
        frame = self.frames[-1]
        if frame.kind != "if":
            self.fail("else does not belong to an if")
        self._pop_exactly(frame.block_type.results, "the then-branch of an if")
        frame.kind = "else"
        frame.else_index = self.position
        frame.unreachable = False
        self.stack.extend(frame.block_type.params)

    def _end(self, instr: Instr) -> None:
        frame = self.frames[-1]
        block_type = frame.block_type
        self._pop_exactly(block_type.results, f"the end of the {frame.kind}")
        if frame.kind == "if" and block_type.params != block_type.results:
            self.fail(f"an if of type {block_type} needs an else branch")
        self.frames.pop()
        frame.end_index = self.position
        body = self.function.body
        if frame.index >= 0:
            opener = body[frame.index]
            opener.end_index = self.position
            opener.else_index = frame.else_index
            if frame.else_index is not None:
                body[frame.else_index].end_index = self.position
        elif self.position != len(body) - 1:
            self.fail("function's final end is followed by more instructions")
        self.stack.extend(block_type.results)

    def _label(self, depth: int) -> _Frame:
        if depth >= len(self.frames):
            self.fail(
                f"unknown label {depth}: only {len(self.frames)} labels are in scope "
                f"(depths 0..{len(self.frames) - 1})"
            )
        return self.frames[-1 - depth]

    def _branch_target(self, frame: _Frame) -> BranchTarget:
        if frame.kind == "loop":
            return BranchTarget(frame.index, len(frame.block_type.params), frame.height)
        assert frame.end_index is not None  # every frame has ended once the body is done
        return BranchTarget(frame.end_index, len(frame.block_type.results), frame.height)

    def _br(self, instr: Instr) -> None:
        frame = self._label(instr.imm[0])
        self._pop(frame.label_types())
        self.branches.append((instr, [frame]))
        self._set_unreachable()

    def _br_if(self, instr: Instr) -> None:
        frame = self._label(instr.imm[0])
        self._pop(("i32",))
        label_types = frame.label_types()
        self._pop(label_types)
        self.stack.extend(label_types)
        self.branches.append((instr, [frame]))

    def _br_table(self, instr: Instr) -> None:
        labels, default = instr.imm
        frames = [self._label(depth) for depth in (*labels, default)]
        default_types = frames[-1].label_types()
        for depth, frame in zip(labels, frames):
            # WebAssembly 1.0 requires every label of a br_table to carry the same types.
            if frame.label_types() != default_types:
                self.fail(
                    f"label {depth} carries {_format_types(frame.label_types())} but the "
                    f"default label {default} carries {_format_types(default_types)}"
                )
        self._pop(("i32",))
        self._pop(default_types)
        self.branches.append((instr, frames))
        self._set_unreachable()

    def _return(self, instr: Instr) -> None:
        frame = self.frames[0]
        self._pop(frame.block_type.results)
        self.branches.append((instr, [frame]))
        self._set_unreachable()

    # ---- calls and variables ---------------------------------------------------------------

    def _call(self, instr: Instr) -> None:
        index = instr.imm[0]
        func_types = self.module.func_types
        if index >= len(func_types):
            self.fail(f"unknown function {index}; the module has {len(func_types)} functions")
        self._pop(func_types[index].params)
        self.stack.extend(func_types[index].results)

    def _call_indirect(self, instr: Instr) -> None:
        type_index, table_index = instr.imm
        if table_index >= len(self.module.tables):
            tables = len(self.module.tables)
            self.fail(f"unknown table {table_index}; the module has {tables} tables")
        if type_index >= len(self.module.types):
            self.fail(f"unknown type {type_index}; the module has {len(self.module.types)} types")
        func_type = self.module.types[type_index]
        self._pop(("i32",))
        self._pop(func_type.params)
        self.stack.extend(func_type.results)

    def _select(self, instr: Instr) -> None:
        first, second, _ = self._pop((_ANY, _ANY, "i32"))
        if first is not _ANY and second is not _ANY and first != second:
            self.fail(
                f"type mismatch: select operands must have the same type but they are "
                f"{_format_types([first, second])}"
            )
        self.stack.append(first if first is not _ANY else second)

    def _local_type(self, index: int) -> str:
        if index >= len(self.local_types):
            self.fail(
                f"unknown local {index}; the function has {len(self.local_types)} locals "
                "including parameters"
            )
        return self.local_types[index]

    def _local_get(self, instr: Instr) -> None:
        self.stack.append(self._local_type(instr.imm[0]))

    def _local_set(self, instr: Instr) -> None:
        self._pop((self._local_type(instr.imm[0]),))

    def _local_tee(self, instr: Instr) -> None:
        value_type = self._local_type(instr.imm[0])
        self._pop((value_type,))
        self.stack.append(value_type)

    def _global(self, index: int) -> Global:
        if index >= len(self.module.globals):
            self.fail(f"unknown global {index}; the module has {len(self.module.globals)} globals")
        return self.module.globals[index]

    def _global_get(self, instr: Instr) -> None:
        self.stack.append(self._global(instr.imm[0]).type)

    def _global_set(self, instr: Instr) -> None:
        global_ = self._global(instr.imm[0])
        if not global_.mutable:
            self.fail(f"global {instr.imm[0]} is immutable")
        self._pop((global_.type,))

    # ---- memory ----------------------------------------------------------------------------

    def _require_memory(self) -> None:
        if not self.module.memories:
            self.fail("unknown memory 0; the module has no memory")

    def _memory_access(self, instr: Instr) -> None:
        self._require_memory()
        value_type, width, is_store = _MEMORY_ACCESSES[instr.name]
        align = instr.imm[0]
        if 1 << min(align, 32) > width:
            self.fail(
                f"alignment 2**{align} exceeds the natural alignment {width} of this "
                f"{width}-byte access"
            )
        if is_store:
            self._pop(("i32", value_type))
        else:
            self._pop(("i32",))
            self.stack.append(value_type)

    def _memory_size(self, instr: Instr) -> None:
        self._require_memory()
        self.stack.append("i32")

    def _memory_grow(self, instr: Instr) -> None:
        self._require_memory()
        self._pop(("i32",))
        self.stack.append("i32")
