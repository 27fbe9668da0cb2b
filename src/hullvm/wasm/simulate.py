"""An interpreter of machine programs at the ISA level, with the token trace the model writes.

It executes a `MachineProgram` the way the machine graph (`wasm/machine.py`) does and is much
faster than the graph evaluator, so it measures trace lengths and instruction counts of whole
programs. The graph's rules that differ from plain WebAssembly are kept:

- operands are the latest pushes at SP-1, SP-2, SP-3; `local.set` writes are not seen by them;
- LOCAL_GETZ reads 0 unless the slot was written after the current frame's call;
- memory bytes never written read as 0; loads and stores check bounds against the page count
  in the instruction's `aux` field, GLOBAL_GET and GLOBAL_SET do not check;
- GETCHAR pushes 0xFFFFFFFF once the input is used up.

tests/test_simulate.py checks that the tokens equal the graph evaluator's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hullvm.wasm.isa import DSP_BIAS, MAX_SLOT, OP
from hullvm.wasm.program import MachineProgram
from hullvm.wasm.tokens import STEP_LAYOUT, TRAP_CODES, VOCAB

MASK = 0xFFFFFFFF
# Tokens per step: the OP token and the bytes of its kind.
STEP_TOKENS = {kind: 1 + len(layout) for kind, layout in STEP_LAYOUT.items()}


class SimulationError(RuntimeError):
    """The program left the ranges the machine represents exactly (stack slots, jump targets)."""


@dataclass
class SimulationResult:
    """What a simulated run did: output, exit status or trap, and the size of its trace.

    `tokens` counts the generated tokens as `run_program` does: every step's OP token and bytes,
    plus END after a halt. `trace` contains those tokens when the run was asked to keep them.
    `pc_counts` is the number of steps per instruction index when counting was asked for.
    """

    output: bytes
    exit_code: int | None
    trap: str | None
    steps: int
    tokens: int
    stop_reason: str  # 'halt', 'trap' or 'step limit'
    trace: list[int] | None = None
    pc_counts: list[int] | None = field(default=None, repr=False)


def _signed(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


def simulate(program: MachineProgram, input_bytes: bytes = b"", *, max_steps: int | None = None,
             keep_tokens: bool = False, count_pcs: bool = False) -> SimulationResult:
    """Run a machine program from instruction 0 until it halts, traps or runs `max_steps` steps.

    Raises SimulationError when the stack pointer, a jump target or a frame pointer leaves the
    range the trace format encodes.
    """
    code = program.instructions
    ops = [OP[ins.op] for ins in code]
    n_code = len(code)
    memory: dict[int, int] = {}
    for address, chunk in program.data:
        for offset, byte in enumerate(chunk):
            memory[address + offset] = byte
    pushed: dict[int, int] = {}  # slot -> latest value pushed there
    written: dict[int, tuple[int, int]] = {}  # slot -> (value, write serial) of pushes and sets
    frames: list[tuple[int, int, int]] = []  # per call depth above 0: (fp, return pc, serial)
    serial = 0  # orders slot writes against frame records, as token positions do in the graph
    sp = 0
    pc = 0
    n_input = 0
    output = bytearray()
    steps = 0
    tokens = 0
    trace: list[int] | None = [] if keep_tokens else None
    counts = [0] * n_code if count_pcs else None
    exit_code = None
    trap = None
    stop = "step limit"

    o = OP
    O_CONST, O_GET, O_GETZ, O_SET, O_TEE = (o["CONST"], o["LOCAL_GET"], o["LOCAL_GETZ"],
                                            o["LOCAL_SET"], o["LOCAL_TEE"])
    O_ADD, O_SUB, O_BR, O_BR_IF, O_BR_IFZ = o["ADD"], o["SUB"], o["BR"], o["BR_IF"], o["BR_IFZ"]
    O_EQ, O_NE, O_EQZ, O_MOVE, O_DROP = o["EQ"], o["NE"], o["EQZ"], o["MOVE"], o["DROP"]
    load_ops = {o[name]: spec for name, spec in (
        ("LOAD32", (4, False)), ("LOAD8U", (1, False)), ("LOAD8S", (1, True)),
        ("LOAD16U", (2, False)), ("LOAD16S", (2, True)))}
    store_ops = {o["STORE32"]: 4, o["STORE8"]: 1, o["STORE16"]: 2}
    compares = {
        o["LT_S"]: lambda a, b: _signed(a) < _signed(b), o["LT_U"]: lambda a, b: a < b,
        o["GT_S"]: lambda a, b: _signed(a) > _signed(b), o["GT_U"]: lambda a, b: a > b,
        o["LE_S"]: lambda a, b: _signed(a) <= _signed(b), o["LE_U"]: lambda a, b: a <= b,
        o["GE_S"]: lambda a, b: _signed(a) >= _signed(b), o["GE_U"]: lambda a, b: a >= b,
    }
    oob_code = 2  # TRAP_CODE["out of bounds memory access"]

    def read_memory(address: int, width: int) -> int:
        value = 0
        for k in range(width - 1, -1, -1):
            value = (value << 8) | memory.get(address + k, 0)
        return value

    while max_steps is None or steps < max_steps:
        if not 0 <= pc < n_code:
            raise SimulationError(f"step {steps}: the program counter {pc} is outside the "
                                  f"program's {n_code} instructions")
        ins = code[pc]
        op = ops[pc]
        if counts is not None:
            counts[pc] += 1
        steps += 1
        kind = "NONE"
        dsp = ins.dsp
        value = 0
        words: dict[str, int] = {}
        next_pc = pc + 1
        if op == O_CONST:
            kind, value = "PUSH", ins.imm & MASK
        elif op == O_GET or op == O_GETZ:
            fp = frames[-1][0] if frames else 0
            slot = fp + ins.imm
            entry = written.get(slot)
            if op == O_GET:
                value = entry[0] if entry is not None else 0
            else:
                fresh = entry is not None and frames and entry[1] > frames[-1][2]
                value = entry[0] if fresh else 0
            kind = "PUSH"
        elif op == O_SET or op == O_TEE:
            kind, value = "SET", pushed[sp - 1]
        elif op == O_ADD:
            kind, value = "PUSH", (pushed[sp - 2] + pushed[sp - 1]) & MASK
        elif op == O_SUB:
            kind, value = "PUSH", (pushed[sp - 2] - pushed[sp - 1]) & MASK
        elif op == O_BR:
            kind, next_pc = "JUMP", ins.tgt  # the machine moves sp of a BR by its dsp
        elif op == O_BR_IF or op == O_BR_IFZ:
            if (pushed[sp - 1] != 0) == (op == O_BR_IF):
                kind, dsp, next_pc = "JUMP", ins.dspj, ins.tgt
        elif op == O_EQ:
            kind, value = "PUSH", int(pushed[sp - 2] == pushed[sp - 1])
        elif op == O_NE:
            kind, value = "PUSH", int(pushed[sp - 2] != pushed[sp - 1])
        elif op == O_EQZ:
            kind, value = "PUSH", int(pushed[sp - 1] == 0)
        elif op in compares:
            kind, value = "PUSH", int(compares[op](pushed[sp - 2], pushed[sp - 1]))
        elif op == O_MOVE:
            kind, value = "PUSH", pushed[sp - 1]
        elif op == O_DROP or op == o["NOP"]:
            pass
        elif op in load_ops:
            width, signed = load_ops[op]
            address = pushed[sp - 1] + ins.imm
            if address + width > 65536 * ins.aux:
                kind, dsp = "TRAP", oob_code
            else:
                value = read_memory(address, width)
                if signed and value >> (8 * width - 1):
                    value = (value - (1 << (8 * width))) & MASK
                kind = "PUSH"
        elif op == o["GLOBAL_GET"]:
            kind, value = "PUSH", read_memory(ins.imm, 4)
        elif op in store_ops or op == o["GLOBAL_SET"]:
            width = store_ops.get(op, 4)
            value = pushed[sp - 1]
            address = ins.imm if op == o["GLOBAL_SET"] else pushed[sp - 2] + ins.imm
            if op != o["GLOBAL_SET"] and address + width > 65536 * ins.aux:
                kind, dsp = "TRAP", oob_code
            else:
                kind = f"STORE{width}"
                words["ADDR"] = address
                for k in range(width):
                    memory[address + k] = (value >> (8 * k)) & 0xFF
        elif op == o["SELECT"]:
            kind = "PUSH"
            value = pushed[sp - 3] if pushed[sp - 1] != 0 else pushed[sp - 2]
        elif op == o["CASE"]:
            if pushed[sp - 1] == ins.imm:
                kind, dsp, next_pc = "JUMP", ins.dspj, ins.tgt
        elif op == o["CALL"]:
            kind, next_pc = "CALL", ins.tgt
            words["FPN"] = sp - ins.aux
            words["PCN"] = pc + 1
        elif op == o["RET"] or op == o["RETV"]:
            if not frames:
                raise SimulationError(f"step {steps}: return at call depth 0 (pc {pc})")
            kind = "RET" if op == o["RET"] else "RETV"
            if kind == "RETV":
                value = pushed[sp - 1]
            next_pc = frames[-1][1]
            words["RA"] = next_pc
        elif op == o["PUTCHAR"]:
            kind, value = "OUT", pushed[sp - 1]
            output.append(value & 0xFF)
        elif op == o["GETCHAR"]:
            kind = "GETC"
            value = input_bytes[n_input] if n_input < len(input_bytes) else MASK
            n_input += 1
        elif op == o["HALT"]:
            kind, value = "HALT", pushed[sp - 1]
            exit_code = _signed(value)
        elif op == o["TRAP"]:
            kind = "TRAP"
        else:
            raise SimulationError(f"step {steps}: opcode {ins.op} at pc {pc} is not simulated")

        # Apply the step's effects in the order the graph sees its tokens.
        if kind == "TRAP":
            trap = TRAP_CODES.get(dsp, f"trap code {dsp}")
            tokens += 1
            if trace is not None:
                trace.append(VOCAB.op_token("TRAP", dsp))
            stop = "trap"
            break
        words["VAL"] = value
        words["TGT"] = next_pc
        new_sp = sp + dsp
        if trace is not None:
            trace.append(VOCAB.op_token(kind, dsp + DSP_BIAS))
            for word, byte_index in STEP_LAYOUT[kind]:
                trace.append(VOCAB.byte + ((words[word] >> (8 * byte_index)) & 0xFF))
        tokens += STEP_TOKENS[kind]
        if kind == "PUSH" or kind == "GETC" or kind == "RETV":
            slot = new_sp - 1
            pushed[slot] = value
            serial += 1
            written[slot] = (value, serial)
        elif kind == "SET":
            slot = (frames[-1][0] if frames else 0) + ins.imm
            serial += 1
            written[slot] = (value, serial)
        elif kind == "CALL":
            serial += 1
            frames.append((words["FPN"], pc + 1, serial))
            if not 0 <= words["FPN"] <= MAX_SLOT:
                raise SimulationError(f"step {steps}: frame pointer {words['FPN']} is outside "
                                      f"the 16-bit range")
        if kind == "RET" or kind == "RETV":
            frames.pop()
        if kind == "HALT":
            tokens += 1
            if trace is not None:
                trace.append(VOCAB.end)
            stop = "halt"
            break
        if not 0 <= new_sp <= MAX_SLOT:
            raise SimulationError(f"step {steps}: the stack pointer {new_sp} is outside the "
                                  f"machine's stack slots")
        if not 0 <= next_pc <= 0xFFFF:
            raise SimulationError(f"step {steps}: jump target {next_pc} is outside 16 bits")
        sp = new_sp
        pc = next_pc
    return SimulationResult(bytes(output), exit_code, trap, steps, tokens, stop, trace, counts)


__all__ = ["simulate", "SimulationResult", "SimulationError", "STEP_TOKENS"]
