"""Machine programs, the prefix that encodes one with its input, and the trace decoder."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hullvm.wasm.isa import DSP_BIAS, MAX_ADDRESS, MAX_PC, Instruction
from hullvm.wasm.tokens import (
    CODE_START, CODE_WIDTH, KIND, KINDS, STEP_LAYOUT, STORE_WIDTH, TRAP_CODES, VOCAB,
)


@dataclass
class MachineProgram:
    """A lowered program: instructions, initial memory (data and globals) and its size."""

    instructions: list[Instruction]
    memory_pages: int
    data: list[tuple[int, bytes]] = field(default_factory=list)
    function_of: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Raise ValueError when the program exceeds the machine's address ranges."""
        if len(self.instructions) > MAX_PC:
            raise ValueError(f"{len(self.instructions)} instructions; the machine runs at most "
                             f"{MAX_PC}")
        for address, chunk in self.data:
            if address < 0 or address + len(chunk) > MAX_ADDRESS:
                raise ValueError(f"data at {address:#x}+{len(chunk)} is outside the machine's "
                                 f"{MAX_ADDRESS:#x} bytes of memory")


def build_prefix(program: MachineProgram, input_bytes: bytes) -> list[int]:
    """Encode a program and its input as the token prefix the model continues."""
    program.check()
    V = VOCAB
    tokens = [V.bos]
    for instruction in program.instructions:
        tokens.extend(V.code + b for b in instruction.fields())
    assert len(tokens) == CODE_START + CODE_WIDTH * len(program.instructions)
    for address, chunk in program.data:
        if not chunk:
            continue
        tokens += [V.da + ((address >> s) & 0xFF) for s in (16, 8, 0)]
        tokens.extend(V.data + b for b in chunk)
    tokens.append(V.inhdr)
    tokens.extend(V.input + b for b in input_bytes)
    # A jump to instruction 0 starts the trace.
    tokens += [V.op_token("JUMP", DSP_BIAS), V.byte + 0, V.byte + 0]
    return tokens


@dataclass
class Step:
    """One decoded step of a trace."""

    kind: str
    dsp: int
    words: dict[str, int]


@dataclass
class TraceResult:
    """The decoded result of a trace: program output, exit status or trap, and step count."""

    output: bytes
    exit_code: int | None
    trap: str | None
    steps: int
    complete: bool


_LAYOUT_LENGTHS = np.array([len(STEP_LAYOUT[k]) for k in KINDS], dtype=np.int64)
# Steps that end the trace or set the exit status go through the token-by-token decoder.
_SLOW_KINDS = np.array([k in ("HALT", "TRAP") for k in KINDS])
# The machine's stack has 2**16 slots, and a CALL step writes the callee's frame pointer in two
# bytes. A call whose frame starts within STACK_MARGIN slots of the end could run past it, and
# past it the trace is no longer the program's, so the decoder ends the run there with the trap
# wasmtime reports for deep recursion. wasmtime's own limit is a native stack size, so the depth
# at which each of them traps differs.
STACK_SLOTS = 1 << 16
STACK_MARGIN = 1024
_CALL = KIND["CALL"]
_CALL_FPN_HIGH = 1 + STEP_LAYOUT["CALL"].index(("FPN", 1))
_CALL_FPN_LOW = 1 + STEP_LAYOUT["CALL"].index(("FPN", 0))
_OUT_LOW_BYTE = 1 + STEP_LAYOUT["OUT"].index(("VAL", 0))


class TraceDecoder:
    """Incrementally decode trace tokens into steps, output bytes and the final status."""

    def __init__(self) -> None:
        self.output = bytearray()
        self.exit_code: int | None = None
        self.trap: str | None = None
        self.steps = 0
        self.done = False
        self._kind: str | None = None
        self._dsp = 0
        self._bytes: list[int] = []
        self.log: list[Step] | None = None

    def feed(self, token: int) -> bytes:
        """Take one trace token; return the output bytes it completes (usually none)."""
        role, value = VOCAB.split(token)
        if role == "END":
            self.done = True
            return b""
        if role.startswith("OP_"):
            if self._kind is not None and self._bytes:
                raise ValueError(f"step {self._kind} cut short after {len(self._bytes)} bytes")
            self._kind = role[3:]
            self._dsp = value - DSP_BIAS
            self._bytes = []
            self.steps += 1
            if self._kind == "TRAP":
                self.trap = TRAP_CODES.get(value, f"trap code {value}")
                self.done = True
            return self._finish_if_complete()
        if role != "B" or self._kind is None:
            raise ValueError(f"unexpected token {role}({value}) in a trace")
        self._bytes.append(value)
        return self._finish_if_complete()

    def feed_many(self, tokens) -> tuple[int, bytes]:
        """Take tokens until the trace ends; return how many were taken and the output bytes.

        Runs of complete, well-formed steps without an instruction log are decoded with numpy
        a chunk at a time; everything else goes through ``feed`` one token at a time.
        """
        tokens = np.asarray(tokens, dtype=np.int64)
        out = bytearray()
        i, n = 0, len(tokens)
        while i < n and not self.done and self._kind is not None:
            out += self.feed(int(tokens[i]))
            i += 1
        if self.log is None and i < n and not self.done:
            i += self._fast_steps(tokens[i:], out)
        while i < n and not self.done:
            out += self.feed(int(tokens[i]))
            i += 1
        return i, bytes(out)

    def _fast_steps(self, tokens: np.ndarray, out: bytearray) -> int:
        """Decode the leading run of complete ordinary steps; return the tokens it covers."""
        starts = np.flatnonzero(tokens >= VOCAB.op)
        if len(starts) == 0 or starts[0] != 0:
            return 0
        kinds = (tokens[starts] - VOCAB.op) // 256
        ends = starts + 1 + _LAYOUT_LENGTHS[kinds]
        following = np.append(starts[1:], len(tokens))
        bad = (ends != following) | _SLOW_KINDS[kinds]
        calls = starts[(kinds == _CALL) & (ends <= len(tokens))]
        frames = ((tokens[calls + _CALL_FPN_HIGH] - VOCAB.byte) * 256
                  + tokens[calls + _CALL_FPN_LOW] - VOCAB.byte)
        deep = calls[frames >= STACK_SLOTS - STACK_MARGIN]
        if len(deep):
            bad |= starts >= deep[0]  # `feed` decodes that call and ends the run
        count = int(np.argmax(bad)) if bad.any() else len(starts)
        if count == 0:
            return 0
        covered = int(following[count - 1])
        body = tokens[:covered]
        is_byte = (body >= VOCAB.byte) & (body < VOCAB.byte + 256)
        if not np.array_equal(is_byte, body < VOCAB.op):
            return 0  # a token of another role inside a step: let feed report it
        printed = starts[:count][kinds[:count] == KIND["OUT"]] + _OUT_LOW_BYTE
        chunk = (tokens[printed] - VOCAB.byte).astype(np.uint8).tobytes()
        self.output += chunk
        out += chunk
        self.steps += count
        return covered

    def _finish_if_complete(self) -> bytes:
        kind = self._kind
        assert kind is not None
        layout = STEP_LAYOUT[kind]
        if len(self._bytes) < len(layout):
            return b""
        words: dict[str, int] = {}
        for (word, _), byte in zip(layout, self._bytes):
            words[word] = (words.get(word, 0) << 8) | byte
        if self.log is not None:
            self.log.append(Step(kind, self._dsp, words))
        self._bytes = []
        out = b""
        if kind == "OUT":
            out = bytes([words["VAL"] & 0xFF])
            self.output += out
        elif kind == "HALT":
            code = words["VAL"]
            self.exit_code = code - (1 << 32) if code >= 1 << 31 else code
        elif kind == "CALL" and words["FPN"] >= STACK_SLOTS - STACK_MARGIN:
            self.trap = "call stack exhausted"
            self.done = True
        self._kind = None
        return out

    def result(self) -> TraceResult:
        return TraceResult(bytes(self.output), self.exit_code, self.trap, self.steps,
                           complete=self.done)


__all__ = ["MachineProgram", "build_prefix", "TraceDecoder", "TraceResult", "Step", "KINDS",
           "STORE_WIDTH"]
