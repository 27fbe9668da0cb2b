"""Straight-line machine code for i32 operations whose second operand is a constant.

The lowering uses these sequences for `i32.const k` followed by a shift, multiply, bitwise
operation or unsigned division by a power of two, in place of a call to a helper function.
Each sequence runs a fixed number of steps that depends only on k, never on the other operand.

Three machine tricks make them short:

- MOVE with a stack change of +1 duplicates the top of the stack (DUP), so x + x is 2 steps;
- a GLOBAL_SET of x at address A followed by a GLOBAL_GET at A - q or A + q reads x shifted by
  q bytes, because memory is little endian and the neighboring scratch bytes are never written;
- the narrow loads (LOAD8U, LOAD16U, LOAD8S, LOAD16S) of a stored word mask or sign-extend it.

The scratch memory lies right after the globals, beyond the program's linear memory, so the
program cannot address it: GLOBAL_GET and GLOBAL_SET have no bounds check, and the narrow loads
carry a page count in `aux` that covers the scratch.
"""

from __future__ import annotations

from functools import lru_cache

from hullvm.wasm.isa import MAX_ADDRESS, Instruction
from hullvm.wasm.tokens import STEP_LAYOUT

# Layout of the scratch memory, in bytes from its base. Words are only ever stored at SHIFT + 3
# and at the save words. Bytes SHIFT .. SHIFT + 2 and SHIFT + 7 .. SHIFT + 9 stay zero, so a
# 4-byte read at SHIFT + 3 - q or SHIFT + 3 + q returns the stored word shifted by q bytes.
SHIFT = 0
# Region for the right shift by 1..7 bits: a word at SPLIT + 3 and a 16-bit value at SPLIT + 6.
SPLIT = 10
# Words that keep an operand for later use. A sequence nested inside another uses the next one.
SAVE = 20
SAVE_DEPTH = 4
SCRATCH_BYTES = SAVE + 4 * SAVE_DEPTH

# Tokens of one step of each machine instruction used below, by the kind of step it makes.
_TOKENS = {kind: 1 + len(layout) for kind, layout in STEP_LAYOUT.items()}
_KIND = {"MOVE": "PUSH", "ADD": "PUSH", "SUB": "PUSH", "CONST": "PUSH", "LT_S": "PUSH",
         "GE_S": "PUSH", "GLOBAL_GET": "PUSH", "LOAD8U": "PUSH", "LOAD16U": "PUSH",
         "LOAD8S": "PUSH", "LOAD16S": "PUSH", "GLOBAL_SET": "STORE4", "DROP": "NONE"}

# Operations with a constant second operand that `sequence` handles.
CONST_OPERATIONS = ("i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl", "i32.rotr", "i32.mul",
                    "i32.and", "i32.or", "i32.xor", "i32.div_u", "i32.rem_u")

# A sequence: (op, dsp, imm) per instruction. For memory instructions imm is an offset into the
# scratch memory, and `instructions` adds the scratch address.
Code = tuple[tuple, ...]


def tokens_of(code: Code) -> int:
    """Return the trace tokens that a straight-line sequence writes."""
    return sum(_TOKENS[_KIND[op]] for op, *_ in code)


def _dup() -> Code:
    return (("MOVE", 1, 0),)


def _add() -> Code:
    return (("ADD", -1, 0),)


def _sub() -> Code:
    return (("SUB", -1, 0),)


def _const(value: int) -> Code:
    return (("CONST", 1, value & 0xFFFFFFFF),)


def _store(offset: int) -> Code:
    return (("GLOBAL_SET", -1, offset),)


def _load(offset: int) -> Code:
    return (("GLOBAL_GET", 1, offset),)


def _narrow(op: str, offset: int) -> Code:
    """Push a narrow load from scratch offset `offset` (the address operand is a CONST 0)."""
    return _const(0) + ((op, 0, offset),)


def _save(depth: int) -> int:
    if depth >= SAVE_DEPTH:
        raise _TooDeep
    return SAVE + 4 * depth


class _TooDeep(Exception):
    """A sequence would nest deeper than the scratch has save words."""


def _best(*candidates: Code | None) -> Code | None:
    found = [c for c in candidates if c is not None]
    return min(found, key=tokens_of) if found else None


@lru_cache(maxsize=None)
def shl(k: int) -> Code:
    """x << k for 0 <= k < 32: a byte shift through memory, then single doublings."""
    q, r = divmod(k, 8)
    code: Code = _store(SHIFT + 3) + _load(SHIFT + 3 - q) if q else ()
    return code + (_dup() + _add()) * r


@lru_cache(maxsize=None)
def shr_u(k: int) -> Code:
    """x >>u k for 0 <= k < 32."""
    if k == 0:
        return ()
    if k == 31:
        return _const(0) + (("LT_S", -1, 0),)
    q, r = divmod(k, 8)
    byte_shift = _store(SHIFT + 3) + _load(SHIFT + 3 + q)
    if r == 0:
        return byte_shift
    s = 8 - r
    if q:
        # y = x >>u 8q is below 2**24, so y << s fits and a 1-byte shift right gives y >> r.
        return byte_shift + shl(s) + _store(SHIFT + 3) + _load(SHIFT + 4)
    # x << s loses the top s bits of x. The 4-byte read at SPLIT + 4 takes bytes 1..3 of x << s
    # and, as its top byte, byte 1 of (byte 3 of x) << s, which is the lost part.
    return (_dup() + _store(SPLIT + 3) + _narrow("LOAD8U", SPLIT + 6) + shl(s)
            + _store(SPLIT + 6) + shl(s) + _store(SPLIT + 3) + _load(SPLIT + 4))


@lru_cache(maxsize=None)
def shr_s(k: int) -> Code:
    """x >>s k for 0 <= k < 32."""
    if k == 0:
        return ()
    if k == 31:
        return _const(0) + (("GE_S", -1, 0),) + _const(1) + _sub()
    # x >>s k == ((x + 2**31) >>u k) - 2**(31 - k), with x + 2**31 taken unsigned.
    general = _const(0x80000000) + _add() + shr_u(k) + _const(1 << (31 - k)) + _sub()
    narrow = None
    if k == 16:
        narrow = _store(SHIFT + 3) + _narrow("LOAD16S", SHIFT + 5)
    elif k == 24:
        narrow = _store(SHIFT + 3) + _narrow("LOAD8S", SHIFT + 6)
    return _best(general, narrow)


def rotl(k: int, depth: int = 0) -> Code:
    """rotl(x, k): (x << k) + (x >>u (32 - k)), whose bits do not overlap."""
    k %= 32
    if k == 0:
        return ()
    word = _save(depth)
    return _dup() + _store(word) + shl(k) + _load(word) + shr_u(32 - k) + _add()


def _bits(c: int) -> list[tuple[int, int]]:
    """Binary digits of c as (position, +1), highest first."""
    return [(p, 1) for p in range(31, -1, -1) if c >> p & 1]


def _naf(c: int) -> list[tuple[int, int]]:
    """Non-adjacent form of c modulo 2**32 as (position, +1 or -1), highest first."""
    digits = []
    p = 0
    while c:
        if c & 1:
            d = 2 - (c & 3)
            c -= d
            if p < 32:
                digits.append((p, d))
        c >>= 1
        p += 1
    return digits[::-1]


def _horner(digits: list[tuple[int, int]], depth: int) -> Code:
    """x * sum(d * 2**p) by Horner's rule, with x kept in a save word."""
    (top, sign), rest = digits[0], digits[1:]
    if not rest:
        if sign > 0:
            return shl(top)
        word = _save(depth)
        return _store(word) + _const(0) + _load(word) + _sub() + shl(top)
    if len(rest) == 1 and sign > 0 and rest[0][1] > 0:
        # x * (2**a + 2**b): the copy of x below the shifted one is the second term.
        low = rest[0][0]
        return _dup() + shl(top - low) + _add() + shl(low)
    word = _save(depth)
    if sign > 0:
        code = _dup() + _store(word)
    else:
        code = _store(word) + _const(0) + _load(word) + _sub()
    position = top
    for p, d in rest:
        code += shl(position - p) + _load(word) + (_add() if d > 0 else _sub())
        position = p
    return code + shl(position)


@lru_cache(maxsize=None)
def mul(c: int, depth: int = 0) -> Code:
    """x * c modulo 2**32."""
    c &= 0xFFFFFFFF
    if c == 0:
        return (("DROP", -1, 0),) + _const(0)
    candidates = []
    for digits in (_bits(c), _naf(c)):
        try:
            candidates.append(_horner(digits, depth))
        except _TooDeep:
            pass
    # c = f * g with f = 2**k +- 1: two short products in a row.
    for k in range(2, 9):
        for f in ((1 << k) - 1, (1 << k) + 1):
            if f < c and c % f == 0:
                try:
                    candidates.append(mul(f, depth) + mul(c // f, depth))
                except _TooDeep:
                    pass
    result = _best(*candidates)
    if result is None:
        raise _TooDeep
    return result


def _runs(c: int) -> list[tuple[int, int]]:
    """Runs of one bits of c as (lowest, highest) positions, lowest run first."""
    runs = []
    p = 0
    while p < 32:
        if c >> p & 1:
            start = p
            while p < 32 and c >> p & 1:
                p += 1
            runs.append((start, p - 1))
        else:
            p += 1
    return runs


@lru_cache(maxsize=None)
def and_(c: int, depth: int = 0) -> Code | None:
    """x & c, or None when no sequence exists within the save words."""
    c &= 0xFFFFFFFF
    if c == 0:
        return (("DROP", -1, 0),) + _const(0)
    if c == 0xFFFFFFFF:
        return ()
    runs = _runs(c)
    candidates: list[Code | None] = []
    if len(runs) == 1:
        low, high = runs[0]
        if low == 0:
            m = high + 1
            if m == 8:
                candidates.append(_store(SHIFT + 3) + _narrow("LOAD8U", SHIFT + 3))
            if m == 16:
                candidates.append(_store(SHIFT + 3) + _narrow("LOAD16U", SHIFT + 3))
            candidates.append(shl(32 - m) + shr_u(32 - m))
        else:
            # Clear the bits above the run, then the bits below it.
            candidates.append(shl(31 - high) + shr_u(31 - high + low) + shl(low))
    # x & c == x - (x & ~c) when ~c has fewer runs.
    complement = _runs(~c & 0xFFFFFFFF)
    if len(complement) < len(runs) or len(runs) == len(complement) == 1 and runs[0][0] > 0:
        inner = and_(~c & 0xFFFFFFFF, depth)
        if inner is not None:
            candidates.append(_dup() + inner + _sub())
    if len(runs) > 1 and depth < SAVE_DEPTH:
        # (x & first run) + (x & the other runs), with x kept in a save word.
        first = sum(1 << p for p in range(runs[0][0], runs[0][1] + 1))
        head = and_(first, depth + 1)
        tail = and_(c & ~first, depth + 1)
        if head is not None and tail is not None:
            word = SAVE + 4 * depth
            candidates.append(_dup() + _store(word) + head + _load(word) + tail + _add())
    return _best(*candidates)


def or_(c: int) -> Code | None:
    """x | c == x + c - (x & c)."""
    inner = and_(c)
    if inner is None:
        return None
    return _dup() + inner + _sub() + _const(c) + _add()


def xor(c: int) -> Code | None:
    """x ^ c == x + c - 2 * (x & c)."""
    inner = and_(c)
    if inner is None:
        return None
    return _dup() + inner + _dup() + _add() + _sub() + _const(c) + _add()


def sequence(name: str, k: int) -> Code | None:
    """Return the code for `name` with constant second operand k, or None to use the helper."""
    k &= 0xFFFFFFFF
    if name in ("i32.shl", "i32.shr_u", "i32.shr_s"):
        return {"i32.shl": shl, "i32.shr_u": shr_u, "i32.shr_s": shr_s}[name](k % 32)
    if name == "i32.rotl":
        return rotl(k % 32)
    if name == "i32.rotr":
        return rotl(-k % 32)
    if name == "i32.mul":
        return mul(k)
    if name == "i32.and":
        return and_(k)
    if name == "i32.or":
        return or_(k)
    if name == "i32.xor":
        return xor(k)
    if k and not k & (k - 1):  # unsigned division by a power of two
        if name == "i32.div_u":
            return shr_u(k.bit_length() - 1)
        if name == "i32.rem_u":
            return and_(k - 1)
    return None


def extend(load: str) -> Code:
    """Sign-extend the low byte (LOAD8S) or half word (LOAD16S) of x."""
    return _store(SHIFT + 3) + _narrow(load, SHIFT + 3)


def scratch_fits(base: int) -> bool:
    """Whether scratch memory at `base` stays inside the machine's address range."""
    return base + SCRATCH_BYTES <= MAX_ADDRESS


def instructions(code: Code, base: int) -> list[Instruction]:
    """Turn a sequence into machine instructions for scratch memory at address `base`."""
    pages = -(-(base + SCRATCH_BYTES) // 65536)
    out = []
    for op, dsp, imm in code:
        if op in ("GLOBAL_SET", "GLOBAL_GET"):
            out.append(Instruction(op, dsp=dsp, imm=base + imm))
        elif op.startswith("LOAD"):
            out.append(Instruction(op, dsp=dsp, imm=base + imm, aux=pages))
        else:
            out.append(Instruction(op, dsp=dsp, imm=imm))
    return out
