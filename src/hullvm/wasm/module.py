"""Data model of a decoded WebAssembly 1.0 module.

`hullvm.wasm.binary.decode_module` builds these objects from a binary, and
`hullvm.wasm.validate.validate_module` checks them and fills the annotation fields of `Instr`.
Value types are the strings 'i32', 'i64', 'f32' and 'f64'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Union

VALUE_TYPES: tuple[str, ...] = ("i32", "i64", "f32", "f64")

# Extern kinds, in the order of their binary codes 0x00..0x03.
EXTERN_KINDS: tuple[str, ...] = ("func", "table", "memory", "global")

# A constant expression after decoding: the value of a t.const (i32/i64 consts as signed ints,
# f32/f64 consts as their raw IEEE bits), ('global.get', index), or None when the expression is
# not a single constant instruction (which `validate_module` rejects).
ConstValue = Union[int, tuple[str, int], None]

# Table and memory limits: (min, max), where max is None when absent. Memory limits are in
# 64 KiB pages.
Limits = tuple[int, Union[int, None]]


@dataclass(frozen=True)
class FuncType:
    """Signature of a function or a block: parameter and result value types."""

    params: tuple[str, ...]
    results: tuple[str, ...]

    def __str__(self) -> str:
        return f"[{' '.join(self.params)}] -> [{' '.join(self.results)}]"


@dataclass(frozen=True)
class BranchTarget:
    """Destination of a branch and the number of values it carries, set by `validate_module`.

    `index` is the body index where execution continues: the `loop` instruction itself for a
    loop label, the matching `end` for a block or if label, and the final `end` for `return`.
    `arity` counts the values the branch carries. `height` is the operand stack height at the
    label, which excludes the block's parameters and, for an if, its popped condition. After the
    branch the stack contains `height + arity` values.
    """

    index: int
    arity: int
    height: int


@dataclass(slots=True)
class Instr:
    """One decoded instruction and the annotations `validate_module` adds to it.

    `imm` is the tuple of immediates, which is empty for most instructions. Loads and stores
    have (align_log2, offset), br_table has (label_indices, default_label), and block, loop
    and if have (FuncType,). call has (function_index,), call_indirect has
    (type_index, table_index), and local, global and label instructions have (index,).
    Consts have (value,), with i32/i64 values as signed ints and f32/f64 values as their raw
    IEEE bits. memory.size and memory.grow have (0,), the reserved memory index.
    `offset` is the byte offset of the opcode in the module binary.

    Annotations: `height` is the operand stack height before the instruction, counted from 0
    at function entry, or None in unreachable code. Block, loop and if get `end_index`, the
    body index of their `end`, and if also gets `else_index`. An `else` gets the `end_index`
    of its if. br, br_if and return get `target`, and br_table gets `targets`, whose last
    entry is the default label.
    """

    name: str
    imm: tuple = ()
    offset: int = 0
    height: int | None = None
    end_index: int | None = None
    else_index: int | None = None
    target: BranchTarget | None = None
    targets: tuple[BranchTarget, ...] | None = None


@dataclass
class Function:
    """A function defined in the module, with its index in the function index space."""

    index: int
    type: FuncType
    locals: tuple[str, ...]  # declared locals after the parameters, one entry per local
    body: list[Instr]  # ends with the function's final `end`
    name: str | None = None


@dataclass(frozen=True)
class Import:
    """An imported function, table, memory or global.

    `desc` is the type index for 'func', the Limits for 'table' and 'memory', and
    (value_type, mutable) for 'global'.
    """

    module: str
    name: str
    kind: str
    desc: object


@dataclass(frozen=True)
class Global:
    """A global variable; `init` is None for an imported global because the host supplies it."""

    type: str
    mutable: bool
    init: ConstValue = None


class ElementSegment(NamedTuple):
    """Function indices written into a table at a constant offset during instantiation."""

    table_index: int
    offset: ConstValue
    func_indices: tuple[int, ...]


class DataSegment(NamedTuple):
    """Bytes written into a memory at a constant offset during instantiation."""

    memory_index: int
    offset: ConstValue
    init: bytes


class Export(NamedTuple):
    """One entry of the export section, in section order."""

    name: str
    kind: str
    index: int


@dataclass
class Module:
    """A decoded module; index spaces (functions, tables, memories, globals) list imports first.

    `func_types` has the type of every function in the function index space. A function whose
    type index is out of range gets FuncType((), ()) so that decoding can finish, and
    `validate_module` rejects it. `globals` also lists imported globals, with init None.
    `exports` maps each name to (kind, index). `export_list` keeps every entry in section order,
    duplicates included, so that the validator can reject them. `const_exprs` contains the
    decoded instructions (without the final end) of every constant expression, keyed by
    ('global', global_index), ('elem', segment_index) or ('data', segment_index), because the
    evaluated values alone lose the type that validation checks.
    """

    types: list[FuncType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    func_type_indices: list[int] = field(default_factory=list)
    func_types: list[FuncType] = field(default_factory=list)
    tables: list[Limits] = field(default_factory=list)
    memories: list[Limits] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    exports: dict[str, tuple[str, int]] = field(default_factory=dict)
    export_list: list[Export] = field(default_factory=list)
    start: int | None = None
    elements: list[ElementSegment] = field(default_factory=list)
    data: list[DataSegment] = field(default_factory=list)
    func_names: dict[int, str] = field(default_factory=dict)
    const_exprs: dict[tuple[str, int], tuple[Instr, ...]] = field(default_factory=dict)

    @property
    def num_imported_functions(self) -> int:
        """Number of imported functions, which take the lowest function indices."""
        return sum(1 for entry in self.imports if entry.kind == "func")

    def function(self, index: int) -> Function:
        """Return the defined function with this function index.

        Raises IndexError when the index names an imported function or is out of range.
        """
        position = index - self.num_imported_functions
        if position < 0 or position >= len(self.functions):
            raise IndexError(f"no defined function has index {index}")
        return self.functions[position]
