"""The machine's instruction set: what the lowering pass emits and the machine graph executes.

Each instruction has an opcode and fixed fields (see ``tokens.CODE_FIELDS``). ``dsp`` and ``dspj``
are the stack pointer changes when the instruction falls through and when it jumps. ``imm`` is a
32-bit immediate, ``tgt`` a 16-bit jump target and ``aux`` a 16-bit extra operand.

Stack slots hold whole 32-bit words: operands and locals share one slot space that grows upward;
the frame pointer FP is the slot of local 0. Linear memory is byte addressed; globals live right
after linear memory at ``memory size + 4 * index``.
"""

from __future__ import annotations

from dataclasses import dataclass

OPS = (
    "NOP", "TRAP", "CONST", "LOCAL_GET", "LOCAL_GETZ", "LOCAL_SET", "LOCAL_TEE",
    "LOAD32", "LOAD8U", "LOAD8S", "LOAD16U", "LOAD16S", "GLOBAL_GET",
    "STORE32", "STORE8", "STORE16", "GLOBAL_SET",
    "DROP", "SELECT", "ADD", "SUB",
    "EQ", "NE", "LT_S", "LT_U", "GT_S", "GT_U", "LE_S", "LE_U", "GE_S", "GE_U", "EQZ",
    "MOVE", "BR", "BR_IF", "BR_IFZ", "CASE", "CALL", "RET", "RETV",
    "PUTCHAR", "GETCHAR", "HALT",
)
OP = {name: index for index, name in enumerate(OPS)}

# Loads: (width in bytes, sign-extended). GLOBAL_GET is a 4-byte load at an absolute address.
LOADS = {"LOAD32": (4, False), "LOAD8U": (1, False), "LOAD8S": (1, True),
         "LOAD16U": (2, False), "LOAD16S": (2, True), "GLOBAL_GET": (4, False)}
STORES = {"STORE32": 4, "STORE8": 1, "STORE16": 2, "GLOBAL_SET": 4}

# The stack pointer change of one step is stored as a byte with this bias.
DSP_BIAS = 128
MAX_DSP = 127
MAX_PC = 0xFFFF
MAX_SLOT = 0xFFFF
# Linear memory plus globals must stay below this many bytes: addresses are squared in the
# keys of memory lookups and the squares must stay exact in float64.
MAX_ADDRESS = 1 << 22


@dataclass
class Instruction:
    """One machine instruction; ``comment`` names its source, for the instruction log."""

    op: str
    dsp: int = 0
    dspj: int = 0
    imm: int = 0
    tgt: int = 0
    aux: int = 0
    comment: str = ""

    def fields(self) -> list[int]:
        """Return the 12 prefix bytes of this instruction, in ``CODE_FIELDS`` order."""
        from hullvm.wasm.tokens import CODE_FIELDS

        imm = self.imm & 0xFFFFFFFF
        values = {
            "op": OP[self.op],
            "dsp": self.dsp if self.op == "TRAP" else self.dsp + DSP_BIAS,
            "dspj": self.dspj + DSP_BIAS,
            "imm3": (imm >> 24) & 0xFF, "imm2": (imm >> 16) & 0xFF,
            "imm1": (imm >> 8) & 0xFF, "imm0": imm & 0xFF,
            "tgt1": (self.tgt >> 8) & 0xFF, "tgt0": self.tgt & 0xFF,
            "aux1": (self.aux >> 8) & 0xFF, "aux0": self.aux & 0xFF,
            "pad": 0,
        }
        return [values[name] for name in CODE_FIELDS]
