"""The token vocabulary: the prefix that encodes a program and its input, and the trace format.

Every token but the three markers is a (role, value) pair with a byte value 0..255. The prefix is

    BOS, CODE*(12 per instruction), {DA DA DA DATA*}*, INHDR, INPUT*, OP_JUMP(0), B(entry>>8), B(entry)

Each step of the trace is an OP token followed by the bytes of its kind. The OP token's role
names the step's kind, and its value is the change of the stack pointer plus 128 (the trap code
for OP_TRAP). Within each word, the most significant byte comes first (see ``STEP_LAYOUT``).
"""

from __future__ import annotations

from dataclasses import dataclass

# Fields of one machine instruction in the prefix, in order; each is one CODE token. A fetch
# reads a field and the one before it, so (imm1, imm0) sit together: the low 16 bits of the
# immediate (a local index) can then be read with a single lookup.
CODE_FIELDS = (
    "op", "dsp", "imm1", "imm0", "imm3", "imm2", "dspj", "tgt1", "tgt0", "aux1", "aux0", "pad",
)
CODE_WIDTH = len(CODE_FIELDS)
CODE_START = 1  # position of field 0 of instruction 0, right after BOS

# Step kinds, in OP role order.
KINDS = (
    "NONE", "PUSH", "GETC", "SET", "STORE1", "STORE2", "STORE4",
    "JUMP", "CALL", "RET", "RETV", "OUT", "HALT", "TRAP",
)
KIND = {name: index for index, name in enumerate(KINDS)}

# Words a step emits, as named by STEP_LAYOUT: the value, the store address, the jump target,
# the callee's frame pointer, the caller's return address and the return address in the frame.
WORDS = ("VAL", "ADDR", "TGT", "FPN", "PCN", "RA")

_VAL32 = [("VAL", 3), ("VAL", 2), ("VAL", 1), ("VAL", 0)]
# For each kind, the (word, byte index) of each byte token after the OP token.
STEP_LAYOUT: dict[str, list[tuple[str, int]]] = {
    "NONE": [],
    "PUSH": _VAL32,
    "GETC": _VAL32,
    "SET": _VAL32,
    "STORE1": [("ADDR", 2), ("ADDR", 1), ("ADDR", 0)] + _VAL32,
    "STORE2": [("ADDR", 2), ("ADDR", 1), ("ADDR", 0)] + _VAL32,
    "STORE4": [("ADDR", 2), ("ADDR", 1), ("ADDR", 0)] + _VAL32,
    "JUMP": [("TGT", 1), ("TGT", 0)],
    "CALL": [("FPN", 1), ("FPN", 0), ("PCN", 1), ("PCN", 0), ("TGT", 1), ("TGT", 0)],
    "RET": [("RA", 1), ("RA", 0)],
    "RETV": _VAL32 + [("RA", 1), ("RA", 0)],
    "OUT": _VAL32,
    "HALT": _VAL32,
    "TRAP": [],
}
STORE_WIDTH = {"STORE1": 1, "STORE2": 2, "STORE4": 4}
WORD_TOP = {"VAL": 3, "ADDR": 2, "TGT": 1, "FPN": 1, "PCN": 1, "RA": 1}

TRAP_CODES = {
    1: "unreachable",
    2: "out of bounds memory access",
    3: "integer divide by zero",
    4: "integer overflow",
    5: "call stack exhausted",
    6: "undefined element",
    7: "indirect call type mismatch",
    8: "floating point instruction executed",
    9: "uninitialized element",
}
TRAP_CODE = {name: code for code, name in TRAP_CODES.items()}


@dataclass(frozen=True)
class Vocabulary:
    """Token ids of the roles; ``token(role, value)`` and ``split(token)`` convert."""

    bos: int = 0
    code: int = 1
    da: int = 257
    data: int = 513
    inhdr: int = 769
    input: int = 770
    byte: int = 1026
    end: int = 1282
    op: int = 1283

    @property
    def size(self) -> int:
        return self.op + 256 * len(KINDS)

    def op_token(self, kind: str, value: int) -> int:
        return self.op + 256 * KIND[kind] + value

    def split(self, token: int) -> tuple[str, int]:
        """Return the role name and value of a token id."""
        if token == self.bos:
            return "BOS", 0
        if token == self.inhdr:
            return "INHDR", 0
        if token == self.end:
            return "END", 0
        for role, base in (("CODE", self.code), ("DA", self.da), ("DATA", self.data),
                           ("INPUT", self.input), ("B", self.byte)):
            if base <= token < base + 256:
                return role, token - base
        if self.op <= token < self.size:
            kind, value = divmod(token - self.op, 256)
            return "OP_" + KINDS[kind], value
        raise ValueError(f"token id {token} is outside the vocabulary of {self.size}")


VOCAB = Vocabulary()
