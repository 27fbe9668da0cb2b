"""Decoder for the WebAssembly 1.0 binary format.

Besides the 1.0 instruction set, the decoder accepts the sign-extension operators
(0xC0..0xC4) and the saturating float-to-int conversions (0xFC 0..7). Decoding checks only
the binary grammar, and `hullvm.wasm.validate.validate_module` checks types and indices.
"""

from __future__ import annotations

from typing import Callable, NoReturn

from hullvm.errors import LaterFeatureError, WasmDecodeError
from hullvm.wasm.module import (
    EXTERN_KINDS,
    ConstValue,
    DataSegment,
    ElementSegment,
    Export,
    FuncType,
    Function,
    Global,
    Import,
    Instr,
    Limits,
    Module,
)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

VALUE_TYPE_CODES: dict[int, str] = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}
_FUNCREF = 0x70
_EMPTY_BLOCK_TYPE = 0x40
_FUNC_TYPE_FORM = 0x60

# Implementation limit that keeps a few bytes of local declarations from expanding into
# billions of entries. The format itself allows up to 2**32 - 1 locals.
MAX_LOCALS = 50_000

_SECTION_NAMES: dict[int, str] = {
    0: "custom",
    1: "type",
    2: "import",
    3: "function",
    4: "table",
    5: "memory",
    6: "global",
    7: "export",
    8: "start",
    9: "element",
    10: "code",
    11: "data",
}


def _opcode_run(first: int, names: str, immediate: str = "") -> dict[int, tuple[str, str]]:
    """Assign consecutive opcodes, starting at `first`, to the space-separated names."""
    return {first + i: (name, immediate) for i, name in enumerate(names.split())}


# Opcode -> (instruction name, immediate kind). The kinds are the keys of _IMMEDIATE_READERS.
OPCODES: dict[int, tuple[str, str]] = {
    0x00: ("unreachable", ""),
    0x01: ("nop", ""),
    0x02: ("block", "blocktype"),
    0x03: ("loop", "blocktype"),
    0x04: ("if", "blocktype"),
    0x05: ("else", ""),
    0x0B: ("end", ""),
    0x0C: ("br", "index"),
    0x0D: ("br_if", "index"),
    0x0E: ("br_table", "br_table"),
    0x0F: ("return", ""),
    0x10: ("call", "index"),
    0x11: ("call_indirect", "call_indirect"),
    0x1A: ("drop", ""),
    0x1B: ("select", ""),
    **_opcode_run(0x20, "local.get local.set local.tee global.get global.set", "index"),
    **_opcode_run(
        0x28,
        "i32.load i64.load f32.load f64.load"
        " i32.load8_s i32.load8_u i32.load16_s i32.load16_u"
        " i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u"
        " i32.store i64.store f32.store f64.store"
        " i32.store8 i32.store16 i64.store8 i64.store16 i64.store32",
        "memarg",
    ),
    0x3F: ("memory.size", "zero_byte"),
    0x40: ("memory.grow", "zero_byte"),
    0x41: ("i32.const", "i32"),
    0x42: ("i64.const", "i64"),
    0x43: ("f32.const", "f32"),
    0x44: ("f64.const", "f64"),
    **_opcode_run(
        0x45,
        "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u"
        " i32.le_s i32.le_u i32.ge_s i32.ge_u"
        " i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u"
        " i64.le_s i64.le_u i64.ge_s i64.ge_u"
        " f32.eq f32.ne f32.lt f32.gt f32.le f32.ge"
        " f64.eq f64.ne f64.lt f64.gt f64.le f64.ge",
    ),
    **_opcode_run(
        0x67,
        "i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u"
        " i32.rem_s i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u"
        " i32.rotl i32.rotr"
        " i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u"
        " i64.rem_s i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u"
        " i64.rotl i64.rotr",
    ),
    **_opcode_run(
        0x8B,
        "f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt"
        " f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign"
        " f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt"
        " f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign",
    ),
    **_opcode_run(
        0xA7,
        "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u"
        " i64.extend_i32_s i64.extend_i32_u"
        " i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u"
        " f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u"
        " f32.demote_f64"
        " f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u"
        " f64.promote_f32"
        " i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64",
    ),
    **_opcode_run(
        0xC0, "i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s"
    ),
}

# Sub-opcodes (a u32 after the 0xFC prefix) -> (instruction name, immediate kind).
PREFIXED_0xFC: dict[int, tuple[str, str]] = _opcode_run(
    0,
    "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u"
    " i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u",
)

# Opcodes of proposals after WebAssembly 1.0, named so that the rejection names the instruction.
LATER_OPCODES: dict[int, tuple[str, str]] = {
    0x06: ("try", "exception handling"), 0x07: ("catch", "exception handling"),
    0x08: ("throw", "exception handling"), 0x09: ("rethrow", "exception handling"),
    0x12: ("return_call", "tail calls"), 0x13: ("return_call_indirect", "tail calls"),
    0x14: ("call_ref", "typed function references"),
    0x1C: ("select with a type", "reference types"),
    0x25: ("table.get", "reference types"), 0x26: ("table.set", "reference types"),
    0xD0: ("ref.null", "reference types"), 0xD1: ("ref.is_null", "reference types"),
    0xD2: ("ref.func", "reference types"), 0xFB: ("a GC instruction", "garbage collection"),
    0xFD: ("a SIMD instruction", "fixed-width SIMD"), 0xFE: ("an atomic instruction", "threads"),
}
LATER_PREFIXED_0xFC: dict[int, tuple[str, str]] = {
    8: ("memory.init", "bulk memory"), 9: ("data.drop", "bulk memory"),
    10: ("memory.copy", "bulk memory"), 11: ("memory.fill", "bulk memory"),
    12: ("table.init", "bulk memory"), 13: ("elem.drop", "bulk memory"),
    14: ("table.copy", "bulk memory"), 15: ("table.grow", "reference types"),
    16: ("table.size", "reference types"), 17: ("table.fill", "reference types"),
}

_BLOCK_OPENERS = frozenset({"block", "loop", "if"})


class _Reader:
    """Cursor over `data[pos:end]`, where every read past `end` raises WasmDecodeError."""

    __slots__ = ("data", "pos", "end", "region")

    def __init__(self, data: bytes, pos: int, end: int, region: str) -> None:
        self.data = data
        self.pos = pos
        self.end = end
        self.region = region  # "module", "type section", ... for "unexpected end of" messages

    def fail(self, message: str, offset: int | None = None) -> NoReturn:
        raise WasmDecodeError(message, self.pos if offset is None else offset)

    def at_end(self) -> bool:
        return self.pos >= self.end

    def byte(self) -> int:
        if self.pos >= self.end:
            self.fail(f"unexpected end of {self.region}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def bytes(self, count: int) -> bytes:
        if count > self.end - self.pos:
            self.fail(
                f"unexpected end of {self.region}: {count} bytes needed but only "
                f"{self.end - self.pos} remain"
            )
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return bytes(chunk)

    def _leb128(self, bits: int, signed: bool) -> int:
        start = self.pos
        max_bytes = (bits + 6) // 7
        result = 0
        for i in range(max_bytes):
            if self.pos >= self.end:
                self.fail(f"unexpected end of {self.region} inside a LEB128 integer", start)
            value = self.data[self.pos]
            self.pos += 1
            result |= (value & 0x7F) << (7 * i)
            if value & 0x80:
                continue
            if i == max_bytes - 1:
                self._check_last_leb128_byte(value, bits, signed, start)
            if signed and value & 0x40:
                result -= 1 << (7 * (i + 1))
            return result
        self.fail(f"LEB128 integer is longer than {max_bytes} bytes for a {bits}-bit value", start)

    def _check_last_leb128_byte(self, value: int, bits: int, signed: bool, start: int) -> None:
        # The final byte of a maximum-length encoding carries only the top bits of the value.
        # Its unused bits must be zero (unsigned) or copies of the sign bit (signed).
        used = bits - 7 * ((bits + 6) // 7 - 1)
        if signed:
            unused = value >> (used - 1)
            ok = unused in (0, (1 << (8 - used)) - 1)
        else:
            ok = value >> used == 0
        if not ok:
            kind = "signed" if signed else "unsigned"
            self.fail(f"integer too large for {kind} {bits}-bit LEB128", start)

    def u32(self) -> int:
        return self._leb128(32, signed=False)

    def s32(self) -> int:
        return self._leb128(32, signed=True)

    def s64(self) -> int:
        return self._leb128(64, signed=True)

    def name(self) -> str:
        start = self.pos
        raw = self.bytes(self.u32())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.fail(f"name is not valid UTF-8 ({exc.reason})", start)

    def value_type(self) -> str:
        start = self.pos
        code = self.byte()
        if code not in VALUE_TYPE_CODES:
            self.fail(f"invalid value type 0x{code:02x}", start)
        return VALUE_TYPE_CODES[code]

    def vector(self, read_item: Callable[[], object]) -> list:
        count = self.u32()
        # Each item takes at least one byte, so a larger count is certainly truncated. Checking
        # here keeps a corrupt count from allocating a huge list first.
        if count > self.end - self.pos:
            self.fail(f"vector of {count} items cannot fit in the rest of the {self.region}")
        return [read_item() for _ in range(count)]


def decode_module(data: bytes) -> Module:
    """Decode a WebAssembly 1.0 binary module.

    Raises WasmDecodeError, with the byte offset, when the binary is malformed: bad magic or
    version, truncated data, bad LEB128, unknown opcode, section id or type code, sections out
    of order or with a size that does not match their contents.
    """
    data = bytes(data)
    if data[:4] != MAGIC:
        raise WasmDecodeError(
            f"invalid magic number {data[:4]!r}, expected {MAGIC!r}: not a WebAssembly binary", 0
        )
    if data[4:8] != VERSION:
        raise WasmDecodeError(
            f"unsupported binary format version {data[4:8]!r}, expected {VERSION!r}", 4
        )
    return _ModuleDecoder(_Reader(data, 8, len(data), "module")).decode()


class _ModuleDecoder:
    """Section-by-section decoder that fills one Module."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.module = Module()
        self.function_type_indices: list[int] = []  # defined functions, from the function section
        self.saw_code_section = False
        self.name_section: tuple[int, int] | None = None  # content (start, end), parsed last
        self.section_readers: dict[int, Callable[[_Reader], None]] = {
            1: self._type_section,
            2: self._import_section,
            3: self._function_section,
            4: self._table_section,
            5: self._memory_section,
            6: self._global_section,
            7: self._export_section,
            8: self._start_section,
            9: self._element_section,
            10: self._code_section,
            11: self._data_section,
        }

    def decode(self) -> Module:
        reader = self.reader
        last_id = 0
        while not reader.at_end():
            id_offset = reader.pos
            section_id = reader.byte()
            if section_id not in _SECTION_NAMES:
                reader.fail(f"unknown section id {section_id}", id_offset)
            size_offset = reader.pos
            size = reader.u32()
            if size > reader.end - reader.pos:
                reader.fail(
                    f"{_SECTION_NAMES[section_id]} section declares {size} bytes but only "
                    f"{reader.end - reader.pos} remain in the module",
                    size_offset,
                )
            content_start = reader.pos
            region = f"{_SECTION_NAMES[section_id]} section"
            section = _Reader(reader.data, content_start, content_start + size, region)
            if section_id == 0:
                self._custom_section(section)
            else:
                if section_id <= last_id:
                    reader.fail(
                        f"{_SECTION_NAMES[section_id]} section is out of order or repeated",
                        id_offset,
                    )
                last_id = section_id
                self.section_readers[section_id](section)
            if section.pos != section.end:
                section.fail(
                    f"{section.region} declares {size} bytes but its contents end after "
                    f"{section.pos - content_start}"
                )
            reader.pos = section.end
        self._finish()
        return self.module

    # ---- sections -------------------------------------------------------------------------

    def _custom_section(self, section: _Reader) -> None:
        name = section.name()
        if name == "name" and self.name_section is None:
            self.name_section = (section.pos, section.end)
        section.pos = section.end

    def _type_section(self, section: _Reader) -> None:
        self.module.types = section.vector(lambda: self._func_type(section))

    def _func_type(self, section: _Reader) -> FuncType:
        start = section.pos
        form = section.byte()
        if form != _FUNC_TYPE_FORM:
            section.fail(f"invalid function type form 0x{form:02x}, expected 0x60", start)
        params = tuple(section.vector(section.value_type))
        results = tuple(section.vector(section.value_type))
        return FuncType(params, results)

    def _import_section(self, section: _Reader) -> None:
        self.module.imports = section.vector(lambda: self._import(section))

    def _import(self, section: _Reader) -> Import:
        module_name = section.name()
        name = section.name()
        kind = self._extern_kind(section)
        desc: object
        if kind == "func":
            desc = section.u32()
            self.module.func_type_indices.append(desc)
        elif kind == "table":
            desc = self._table_type(section)
            self.module.tables.append(desc)
        elif kind == "memory":
            desc = self._limits(section)
            self.module.memories.append(desc)
        else:
            value_type, mutable = self._global_type(section)
            desc = (value_type, mutable)
            self.module.globals.append(Global(value_type, mutable, None))
        return Import(module_name, name, kind, desc)

    def _extern_kind(self, section: _Reader) -> str:
        start = section.pos
        code = section.byte()
        if code >= len(EXTERN_KINDS):
            section.fail(f"invalid external kind 0x{code:02x}", start)
        return EXTERN_KINDS[code]

    def _limits(self, section: _Reader) -> Limits:
        start = section.pos
        flag = section.byte()
        if flag == 0x00:
            return (section.u32(), None)
        if flag == 0x01:
            minimum = section.u32()
            return (minimum, section.u32())
        section.fail(f"invalid limits flag 0x{flag:02x}, expected 0x00 or 0x01", start)

    def _table_type(self, section: _Reader) -> Limits:
        start = section.pos
        element_type = section.byte()
        if element_type != _FUNCREF:
            section.fail(
                f"invalid table element type 0x{element_type:02x}, expected funcref (0x70)", start
            )
        return self._limits(section)

    def _global_type(self, section: _Reader) -> tuple[str, bool]:
        value_type = section.value_type()
        start = section.pos
        flag = section.byte()
        if flag not in (0, 1):
            section.fail(f"invalid global mutability flag 0x{flag:02x}", start)
        return value_type, flag == 1

    def _function_section(self, section: _Reader) -> None:
        self.function_type_indices = section.vector(section.u32)

    def _table_section(self, section: _Reader) -> None:
        self.module.tables.extend(section.vector(lambda: self._table_type(section)))

    def _memory_section(self, section: _Reader) -> None:
        self.module.memories.extend(section.vector(lambda: self._limits(section)))

    def _global_section(self, section: _Reader) -> None:
        def read_global() -> Global:
            value_type, mutable = self._global_type(section)
            index = len(self.module.globals)
            init = self._const_expr(section, ("global", index))
            global_ = Global(value_type, mutable, init)
            self.module.globals.append(global_)
            return global_

        section.vector(read_global)

    def _export_section(self, section: _Reader) -> None:
        def read_export() -> Export:
            name = section.name()
            kind = self._extern_kind(section)
            return Export(name, kind, section.u32())

        self.module.export_list = section.vector(read_export)
        for entry in self.module.export_list:
            self.module.exports.setdefault(entry.name, (entry.kind, entry.index))

    def _start_section(self, section: _Reader) -> None:
        self.module.start = section.u32()

    def _element_section(self, section: _Reader) -> None:
        def read_segment() -> ElementSegment:
            # WebAssembly 1.0 reads a table index here, which must be 0. Later versions read
            # flags; flags 2 is an active segment with an explicit table index and an element
            # kind, the form wasmtime's text assembler writes for `(table funcref (elem ...))`.
            # With the kind funcref (0x00) it holds the same segment as the 1.0 form.
            start = section.pos
            flags = section.u32()
            if flags not in (0, 2):
                section.fail(
                    f"element segment flags {flags} (passive, declared or expression segments) "
                    "need the bulk memory and reference types proposals, which WebAssembly 1.0 "
                    "lacks",
                    start,
                )
            table_index = section.u32() if flags == 2 else 0
            offset = self._const_expr(section, ("elem", len(self.module.elements)))
            if flags == 2:
                kind_start = section.pos
                kind = section.byte()
                if kind != 0x00:
                    section.fail(f"invalid element kind 0x{kind:02x}, expected funcref (0x00)",
                                 kind_start)
            segment = ElementSegment(table_index, offset, tuple(section.vector(section.u32)))
            self.module.elements.append(segment)
            return segment

        section.vector(read_segment)

    def _data_section(self, section: _Reader) -> None:
        def read_segment() -> DataSegment:
            memory_index = section.u32()
            offset = self._const_expr(section, ("data", len(self.module.data)))
            segment = DataSegment(memory_index, offset, section.bytes(section.u32()))
            self.module.data.append(segment)
            return segment

        section.vector(read_segment)

    def _code_section(self, section: _Reader) -> None:
        self.saw_code_section = True
        count_offset = section.pos
        count = section.u32()
        if count != len(self.function_type_indices):
            section.fail(
                f"code section has {count} bodies but the function section declares "
                f"{len(self.function_type_indices)} functions",
                count_offset,
            )
        first_index = len(self.module.func_type_indices)
        for position, type_index in enumerate(self.function_type_indices):
            function = self._function_body(section, first_index + position, type_index)
            self.module.functions.append(function)

    def _function_body(self, section: _Reader, index: int, type_index: int) -> Function:
        size_offset = section.pos
        size = section.u32()
        if size > section.end - section.pos:
            section.fail(
                f"body of function {index} declares {size} bytes but only "
                f"{section.end - section.pos} remain in the code section",
                size_offset,
            )
        body_reader = _Reader(section.data, section.pos, section.pos + size, f"function {index}")
        locals_ = self._locals(body_reader)
        body = _read_expression(body_reader)
        if not body_reader.at_end():
            extra = body_reader.end - body_reader.pos
            body_reader.fail(f"function {index} has {extra} bytes after its final end")
        section.pos = body_reader.end
        return Function(index, self._resolve_type(type_index), locals_, body)

    def _locals(self, body_reader: _Reader) -> tuple[str, ...]:
        start = body_reader.pos
        groups = body_reader.vector(lambda: (body_reader.u32(), body_reader.value_type()))
        total = sum(count for count, _ in groups)
        if total > MAX_LOCALS:
            body_reader.fail(
                f"function declares {total} locals, more than the supported {MAX_LOCALS}", start
            )
        return tuple(value_type for count, value_type in groups for _ in range(count))

    def _const_expr(self, section: _Reader, key: tuple[str, int]) -> ConstValue:
        code = _read_expression(section)[:-1]
        self.module.const_exprs[key] = tuple(code)
        if len(code) != 1:
            return None
        instr = code[0]
        if instr.name in ("i32.const", "i64.const", "f32.const", "f64.const"):
            return instr.imm[0]
        if instr.name == "global.get":
            return ("global.get", instr.imm[0])
        return None

    # ---- after the last section -----------------------------------------------------------

    def _resolve_type(self, type_index: int) -> FuncType:
        if type_index < len(self.module.types):
            return self.module.types[type_index]
        return FuncType((), ())  # validate_module reports the bad index

    def _finish(self) -> None:
        module = self.module
        if self.function_type_indices and not self.saw_code_section:
            raise WasmDecodeError(
                f"function section declares {len(self.function_type_indices)} functions "
                "but the module has no code section",
                len(self.reader.data),
            )
        module.func_type_indices.extend(self.function_type_indices)
        module.func_types = [self._resolve_type(index) for index in module.func_type_indices]
        for entry in module.export_list:
            if entry.kind == "func":
                module.func_names.setdefault(entry.index, entry.name)
        if self.name_section is not None:
            module.func_names.update(_function_names(self.reader.data, *self.name_section))
        for function in module.functions:
            function.name = module.func_names.get(function.index)


# ---- instructions ---------------------------------------------------------------------------


def _read_block_type(reader: _Reader) -> tuple:
    start = reader.pos
    code = reader.byte()
    if code == _EMPTY_BLOCK_TYPE:
        return (FuncType((), ()),)
    if code in VALUE_TYPE_CODES:
        return (FuncType((), (VALUE_TYPE_CODES[code],)),)
    reader.fail(
        f"invalid block type 0x{code:02x} (type-index block types need the multi-value "
        "proposal, which WebAssembly 1.0 lacks)",
        start,
    )


def _read_br_table(reader: _Reader) -> tuple:
    labels = tuple(reader.vector(reader.u32))
    return (labels, reader.u32())


def _read_zero_byte(reader: _Reader) -> tuple:
    # WebAssembly 1.0 reserves this byte for a future memory or table index and requires 0.
    start = reader.pos
    value = reader.byte()
    if value != 0:
        reader.fail(f"reserved byte must be 0x00, found 0x{value:02x}", start)
    return (0,)


def _read_call_indirect(reader: _Reader) -> tuple:
    type_index = reader.u32()
    return (type_index, _read_zero_byte(reader)[0])


def _read_memarg(reader: _Reader) -> tuple:
    align = reader.u32()
    return (align, reader.u32())


def _read_f32_bits(reader: _Reader) -> tuple:
    return (int.from_bytes(reader.bytes(4), "little"),)


def _read_f64_bits(reader: _Reader) -> tuple:
    return (int.from_bytes(reader.bytes(8), "little"),)


_IMMEDIATE_READERS: dict[str, Callable[[_Reader], tuple]] = {
    "": lambda reader: (),
    "blocktype": _read_block_type,
    "index": lambda reader: (reader.u32(),),
    "br_table": _read_br_table,
    "call_indirect": _read_call_indirect,
    "memarg": _read_memarg,
    "zero_byte": _read_zero_byte,
    "i32": lambda reader: (reader.s32(),),
    "i64": lambda reader: (reader.s64(),),
    "f32": _read_f32_bits,
    "f64": _read_f64_bits,
}


def _fail_opcode(reader: _Reader, later: tuple[str, str] | None, code: str,
                 offset: int) -> NoReturn:
    if later is None:
        reader.fail(f"unknown opcode {code} in {reader.region}", offset)
    name, proposal = later
    raise LaterFeatureError(
        f"{name} (opcode {code}) in {reader.region} belongs to the {proposal} proposal, which "
        f"the machine does not run because it runs WebAssembly 1.0. Compile C with `-mcpu=mvp`, "
        f"as `hullvm run` does, or rewrite the code without it", offset)


def _read_instruction(reader: _Reader) -> Instr:
    offset = reader.pos
    opcode = reader.byte()
    if opcode == 0xFC:
        sub_opcode = reader.u32()
        entry = PREFIXED_0xFC.get(sub_opcode)
        if entry is None:
            _fail_opcode(reader, LATER_PREFIXED_0xFC.get(sub_opcode), f"0xfc {sub_opcode}", offset)
    else:
        entry = OPCODES.get(opcode)
        if entry is None:
            _fail_opcode(reader, LATER_OPCODES.get(opcode), f"0x{opcode:02x}", offset)
    name, immediate = entry
    return Instr(name, _IMMEDIATE_READERS[immediate](reader), offset)


def _read_expression(reader: _Reader) -> list[Instr]:
    """Read instructions up to and including the `end` that closes the expression."""
    code: list[Instr] = []
    depth = 0
    while True:
        instr = _read_instruction(reader)
        code.append(instr)
        if instr.name in _BLOCK_OPENERS:
            depth += 1
        elif instr.name == "end":
            if depth == 0:
                return code
            depth -= 1


def _function_names(data: bytes, start: int, end: int) -> dict[int, str]:
    """Read function names from a 'name' custom section, keeping what precedes any damage.

    A broken name section only loses names, because engines treat the section as debug
    information and must not reject a module for it.
    """
    names: dict[int, str] = {}
    reader = _Reader(data, start, end, "name section")
    try:
        while not reader.at_end():
            subsection_id = reader.byte()
            size = reader.u32()
            subsection = _Reader(data, reader.pos, min(reader.pos + size, end), "name subsection")
            reader.pos = subsection.end
            if subsection_id != 1:  # 1 is the function-names subsection
                continue
            for _ in range(subsection.u32()):
                index = subsection.u32()
                names[index] = subsection.name()
    except WasmDecodeError:
        pass
    return names
