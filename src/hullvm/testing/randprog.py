"""Random valid i32 WebAssembly programs in the text format, for differential tests.

``generate_program(rng, size)`` writes a module that imports ``hullvm.putchar`` and
``hullvm.exit`` and prints its results through ``putchar``. It uses the i32 instructions the
machine runs: arithmetic including multiply, divide and remainder, bitwise logic, shifts and
rotates with any count, bit counts, comparisons and ``select``. It also uses locals, globals,
loads and stores of every width, ``block``, ``loop`` and ``if`` with and without results,
``br``, ``br_if`` and ``br_table`` (some over extra operand values that the branch drops), and
calls between functions with parameters and results. Every choice comes from the
``random.Random`` passed in, so a seed fixes the program. ``programs(size)`` is a hypothesis
strategy that passes ``st.randoms(use_true_random=False)``, a Random whose draws hypothesis can
shrink.

Every program terminates. Each loop runs at most ``size.loop_iterations`` times, counted in a
local that nothing else writes, and a function calls only functions defined before it. Divisors
are guarded against zero and against INT_MIN / -1, and addresses are clamped into a 76-byte
region at the start of memory, so a program traps only where the generator planted a trap
(``RandomProgram.planted_trap``). Planted traps are division by zero, INT_MIN / -1, loads and
stores past the end of memory (including address plus offset beyond 2**32) and ``unreachable``.
A planted trap can sit on a path the program never takes.

The generator keeps an estimate of the trace tokens each function costs. It stops adding
compound expressions, helper operations and calls to a function once its estimate nears its
budget: ``size.token_budget`` for _start, a quarter of it for the others. Leaves are still
added, so an estimate may pass its budget by a few steps. The estimate counts both arms of
every ``if`` and every loop at its full count, so real runs are shorter.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

# Bytes at the start of memory that loads and stores address, before their offset immediate.
DATA_SIZE = 64
MAX_OFFSET = 8
# Address of the 4-byte word that $out32 prints byte by byte, away from the data region.
OUT32_ADDRESS = 65520
MEMORY_BYTES = 65536

# Trace tokens per machine step in the estimate. A step writes an OP token and 0 to 7 bytes,
# most often 4.
STEP_TOKENS = 6
# Trace tokens of one helper call, rounded up from the maximum over two operand pairs each,
# measured with the PyTorch engine. A helper's loop count depends on its operands, so these
# are estimates.
HELPER_TOKENS = {
    "mul": 2600, "div_u": 6000, "rem_u": 6000, "div_s": 6000, "rem_s": 6000,
    "and": 4400, "or": 4400, "xor": 4100, "shl": 2500, "shr_u": 2500, "shr_s": 2500,
    "rotl": 2500, "rotr": 2500, "clz": 2500, "ctz": 1600, "popcnt": 1900,
}
OUT32_TOKENS = 100

NATIVE_BINARY = ("add", "sub", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u",
                 "le_s", "le_u", "ge_s", "ge_u")
HELPER_BINARY = ("mul", "div_u", "rem_u", "div_s", "rem_s", "and", "or", "xor",
                 "shl", "shr_u", "shr_s", "rotl", "rotr")
HELPER_UNARY = ("clz", "ctz", "popcnt")
LOADS = (("i32.load", 4), ("i32.load8_u", 1), ("i32.load8_s", 1),
         ("i32.load16_u", 2), ("i32.load16_s", 2))
STORES = (("i32.store", 4), ("i32.store8", 1), ("i32.store16", 2))

INTERESTING = (0, 1, 2, 3, 7, -1, -2, 31, 32, 33, 63, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF,
               0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, -0x80000000, -0x7FFFFFFF)

TRAP_KINDS = ("integer divide by zero", "integer overflow", "out of bounds memory access",
              "unreachable")


@dataclass(frozen=True)
class ProgramSize:
    """Limits for one generated program."""

    functions: int  # maximum number of functions besides _start and $out32
    statements: int  # maximum statements in one block
    expression_depth: int
    nesting: int  # maximum depth of nested statement blocks, ifs and loops
    loop_iterations: int
    token_budget: int  # upper bound of the estimated trace tokens of the whole run
    helper_ops: int  # maximum helper-computed operations in the program text
    trap_percent: int  # share of programs with a planted trap


SMALL = ProgramSize(functions=2, statements=4, expression_depth=3, nesting=2,
                    loop_iterations=3, token_budget=2500, helper_ops=1, trap_percent=25)
LARGE = ProgramSize(functions=4, statements=6, expression_depth=4, nesting=3,
                    loop_iterations=6, token_budget=40000, helper_ops=8, trap_percent=25)


@dataclass(frozen=True)
class RandomProgram:
    """A generated module with its planted trap kind and estimated trace length."""

    wat: str
    planted_trap: str | None  # the trap kind planted somewhere in the program, if any
    estimated_tokens: int  # the generator's upper bound of the trace tokens

    def wasm(self) -> bytes:
        """Assemble the text with wasmtime's parser."""
        import wasmtime

        return bytes(wasmtime.wat2wasm(self.wat))


@dataclass
class _Function:
    name: str
    params: int
    has_result: bool
    budget: int
    cost: int = 0
    values: list[str] = field(default_factory=list)  # locals that random code reads and writes
    counters: list[str] = field(default_factory=list)  # loop counters, written only by loops
    lines: list[str] = field(default_factory=list)


class _Generator:
    def __init__(self, rng: random.Random, size: ProgramSize) -> None:
        self.rng = rng
        self.size = size
        self.functions: list[_Function] = []
        self.function: _Function | None = None
        self.multiplier = 1
        self.helpers_left = size.helper_ops
        self.labels: list[str] = []  # enclosing labels that a br may target, innermost last
        self.label_count = 0
        self.trap_kind: str | None = None
        self.trap_pending = False
        self.trap_planted = False
        mutable = rng.randint(1, 3)
        self.globals = [(f"$g{i}", True, self._constant()) for i in range(mutable)]
        self.globals.append(("$k0", False, self._constant()))

    # Choices and costs.

    def _chance(self, percent: int) -> bool:
        return self.rng.randint(1, 100) <= percent

    def _constant(self) -> int:
        roll = self.rng.randint(0, 9)
        if roll < 5:
            return self.rng.choice(INTERESTING)
        if roll < 8:
            return self.rng.randint(-16, 16)
        return self.rng.randint(-0x80000000, 0x7FFFFFFF)

    def _affordable(self, tokens: int) -> bool:
        return self.function.cost + tokens * self.multiplier <= self.function.budget

    def _charge(self, tokens: int) -> None:
        self.function.cost += tokens * self.multiplier

    @contextmanager
    def _repeated(self, times: int) -> Iterator[None]:
        self.multiplier *= times
        try:
            yield
        finally:
            self.multiplier //= times

    @contextmanager
    def _label(self, name: str) -> Iterator[None]:
        """Make `name` a branch target for the statements generated inside."""
        saved = self.labels
        self.labels = [*saved, name]
        try:
            yield
        finally:
            self.labels = saved

    def _new_label(self, prefix: str) -> str:
        self.label_count += 1
        return f"${prefix}{self.label_count}"

    def _new_counter(self) -> str:
        name = f"$c{len(self.function.counters)}"
        self.function.counters.append(name)
        return name

    # Expression builders return one line of folded text that pushes one i32.

    def _expression(self, depth: int) -> str:
        if depth <= 0 or not self._affordable(4 * STEP_TOKENS):
            return self._leaf()
        builders = [
            (6, self._leaf), (8, self._native_binary), (2, self._eqz), (3, self._helper_binary),
            (2, self._helper_unary), (2, self._select), (3, self._load), (2, self._tee),
            (3, self._call_expression), (2, self._if_expression), (2, self._branch_block),
            (1, self._table_expression), (1, self._loop_expression),
        ]
        weights = [weight for weight, _ in builders]
        builder = self.rng.choices([b for _, b in builders], weights)[0]
        if builder == self._leaf:
            return self._leaf()
        return builder(depth - 1)

    def _leaf(self) -> str:
        self._charge(STEP_TOKENS)
        readable = self.function.values + self.function.counters
        roll = self.rng.randint(0, 9)
        if roll < 4 or (roll < 7 and not readable):
            return f"(i32.const {self._constant()})"
        if roll < 7:
            return f"(local.get {self.rng.choice(readable)})"
        return f"(global.get {self.rng.choice(self.globals)[0]})"

    def _native_binary(self, depth: int) -> str:
        self._charge(STEP_TOKENS)
        op = self.rng.choice(NATIVE_BINARY)
        return f"(i32.{op} {self._expression(depth)} {self._expression(depth)})"

    def _eqz(self, depth: int) -> str:
        self._charge(STEP_TOKENS)
        return f"(i32.eqz {self._expression(depth)})"

    def _take_helper(self, op: str) -> bool:
        if self.helpers_left <= 0 or not self._affordable(HELPER_TOKENS[op]):
            return False
        self.helpers_left -= 1
        self._charge(HELPER_TOKENS[op])
        return True

    def _helper_binary(self, depth: int) -> str:
        op = self.rng.choice(HELPER_BINARY)
        if not self._take_helper(op):
            return self._native_binary(depth)
        left = self._expression(depth)
        right = self._expression(depth)
        if op in ("div_u", "rem_u", "rem_s"):
            right = self._nonzero(right)
        elif op == "div_s":
            right = self._safe_signed_divisor(right)
        elif op in ("shl", "shr_u", "shr_s", "rotl", "rotr") and self._chance(50):
            # Counts of 32 and more wrap around, and these constants pick them more often.
            right = f"(i32.const {self.rng.choice((0, 1, 31, 32, 33, 63, 64, -1, -31))})"
        return f"(i32.{op} {left} {right})"

    def _nonzero(self, divisor: str) -> str:
        """Wrap a divisor so a zero becomes a nonzero constant."""
        self._charge(4 * STEP_TOKENS)
        replacement = self.rng.choice((1, 3, -1, 7, 0x10000, -0x80000000))
        return f"(select (local.tee $t {divisor}) (i32.const {replacement}) (local.get $t))"

    def _safe_signed_divisor(self, divisor: str) -> str:
        """Wrap a divisor so 0 and -1 become a constant, which rules out both div_s traps."""
        self._charge(6 * STEP_TOKENS)
        replacement = self.rng.choice((1, 2, -2, 5, 0x7FFFFFFF, -0x80000000))
        in_range = "(i32.gt_u (i32.add (local.get $t) (i32.const 1)) (i32.const 1))"
        return f"(select (local.tee $t {divisor}) (i32.const {replacement}) {in_range})"

    def _helper_unary(self, depth: int) -> str:
        op = self.rng.choice(HELPER_UNARY)
        if not self._take_helper(op):
            return self._eqz(depth)
        return f"(i32.{op} {self._expression(depth)})"

    def _select(self, depth: int) -> str:
        self._charge(STEP_TOKENS)
        operands = " ".join(self._expression(depth) for _ in range(3))
        return f"(select {operands})"

    def _address(self, depth: int) -> str:
        """Generate an i32 expression whose value lies in [0, DATA_SIZE)."""
        roll = self.rng.randint(0, 9)
        if roll < 5 or depth <= 0:
            self._charge(STEP_TOKENS)
            return f"(i32.const {self.rng.randrange(DATA_SIZE)})"
        self._charge(4 * STEP_TOKENS)
        fallback = self.rng.randrange(DATA_SIZE)
        return (f"(select (local.tee $t {self._expression(depth)}) (i32.const {fallback}) "
                f"(i32.lt_u (local.get $t) (i32.const {DATA_SIZE})))")

    def _load(self, depth: int) -> str:
        self._charge(STEP_TOKENS)
        op, _ = self.rng.choice(LOADS)
        offset = self.rng.randint(0, MAX_OFFSET)
        return f"({op} offset={offset} {self._address(depth)})"

    def _tee(self, depth: int) -> str:
        if not self.function.values:
            return self._eqz(depth)
        self._charge(STEP_TOKENS)
        return f"(local.tee {self.rng.choice(self.function.values)} {self._expression(depth)})"

    def _callee(self, with_result: bool) -> _Function | None:
        candidates = [f for f in self.functions if f.has_result == with_result
                      and self._affordable(f.cost + (f.params + 2) * STEP_TOKENS)]
        return self.rng.choice(candidates) if candidates else None

    def _call(self, callee: _Function, depth: int) -> str:
        self._charge(callee.cost + 2 * STEP_TOKENS)
        arguments = "".join(" " + self._expression(depth) for _ in range(callee.params))
        return f"(call {callee.name}{arguments})"

    def _call_expression(self, depth: int) -> str:
        callee = self._callee(with_result=True)
        if callee is None:
            return self._native_binary(depth)
        return self._call(callee, depth)

    def _if_expression(self, depth: int) -> str:
        self._charge(STEP_TOKENS)
        condition = self._expression(depth)
        arms = []
        for arm in ("then", "else"):
            prelude = self._inline_statements(depth)
            arms.append(f"({arm}{prelude} {self._expression(depth)})")
        return f"(if (result i32) {condition} {arms[0]} {arms[1]})"

    def _inline_statements(self, depth: int) -> str:
        """Zero or one statement on one line, with a leading space, for a value-producing body."""
        if depth <= 0 or not self._chance(25):
            return ""
        return "".join(" " + line.strip() for line in self._statement(self.size.nesting))

    def _branch_block(self, depth: int) -> str:
        """Generate a block whose value comes from a br_if or its end, over extra values."""
        self._charge(4 * STEP_TOKENS)
        label = self._new_label("b")
        extra = self.rng.randint(0, 2)
        below = "".join(" " + self._expression(depth - 1) for _ in range(extra))
        drops = " (drop)" * (extra + 1)
        value = self._expression(depth)
        condition = self._expression(depth)
        last = self._expression(depth)
        return (f"(block {label} (result i32){below} (br_if {label} {value} {condition})"
                f"{drops} {last})")

    def _table_expression(self, depth: int) -> str:
        """Generate a br_table that carries a value to one of several result blocks."""
        self._charge(6 * STEP_TOKENS)
        cases = self.rng.randint(1, 3)
        done = self._new_label("r")
        names = [self._new_label("v") for _ in range(cases)]
        targets = [self.rng.choice([*names, done]) for _ in range(self.rng.randint(0, 3))]
        default = self.rng.choice([*names, done])
        text = (f"(br_table {' '.join([*targets, default])} {self._expression(depth)} "
                f"{self._index(depth)})")
        for name in names:
            adjust = self.rng.choice(("i32.add", "i32.sub"))
            text = (f"(block {name} (result i32) {text}) (i32.const {self._constant()}) "
                    f"({adjust}) (br {done})")
        return f"(block {done} (result i32) {text})"

    def _index(self, depth: int) -> str:
        roll = self.rng.randint(0, 9)
        if roll < 5:
            self._charge(STEP_TOKENS)
            return f"(i32.const {self.rng.choice((0, 1, 2, 3, 4, -1, 0x7FFFFFFF))})"
        if roll < 7 and self.function.counters:
            self._charge(STEP_TOKENS)
            return f"(local.get {self.rng.choice(self.function.counters)})"
        return self._expression(depth)

    def _loop_expression(self, depth: int) -> str:
        """Generate a counted loop whose last iteration leaves the block's value."""
        times = self.rng.randint(1, self.size.loop_iterations)
        counter = self._new_counter()
        label = self._new_label("l")
        self._charge(STEP_TOKENS)
        with self._repeated(times):
            self._charge(5 * STEP_TOKENS)
            prelude = self._inline_statements(depth)
            value = self._expression(depth)
        step = f"(local.tee {counter} (i32.sub (local.get {counter}) (i32.const 1)))"
        return (f"(block (result i32) (local.set {counter} (i32.const {times})) "
                f"(loop {label} (result i32){prelude} (br_if {label} {step}) {value}))")

    # Statement builders return lines of text that leave the operand stack as it was.

    def _statements(self, nesting: int, count: int | None = None) -> list[str]:
        if count is None:
            count = self.rng.randint(1, self.size.statements)
        lines: list[str] = []
        for _ in range(count):
            if self.trap_pending and self._chance(20):
                lines += self._planted_trap()
            lines += self._statement(nesting)
        return lines

    def _statement(self, nesting: int) -> list[str]:
        depth = self.size.expression_depth
        builders = [
            (5, self._set_local), (2, self._set_global), (4, self._store), (5, self._print),
            (1, self._drop), (3, self._call_statement),
        ]
        if nesting > 0:
            builders += [(3, self._if_statement), (3, self._loop_statement),
                         (2, self._block_statement), (1, self._switch_statement)]
        if self.labels:
            builders.append((2, self._branch_statement))
        builders += [(1, self._return_statement), (1, self._exit_statement)]
        weights = [weight for weight, _ in builders]
        builder = self.rng.choices([b for _, b in builders], weights)[0]
        if builder in (self._if_statement, self._loop_statement, self._block_statement,
                       self._switch_statement):
            lines = builder(nesting - 1)
            if self._chance(30):
                # A value pushed before the construct and printed after it shows whether the
                # construct left the stack pointer where it found it.
                self._charge(2 * STEP_TOKENS)
                lines = [f"(i32.const {self._constant()})", *lines, "(call $putchar)"]
            return lines
        return builder(depth)

    def _set_local(self, depth: int) -> list[str]:
        if not self.function.values:
            return self._print(depth)
        self._charge(STEP_TOKENS)
        name = self.rng.choice(self.function.values)
        return [f"(local.set {name} {self._expression(depth)})"]

    def _set_global(self, depth: int) -> list[str]:
        self._charge(STEP_TOKENS)
        name = self.rng.choice([g for g, mutable, _ in self.globals if mutable])
        return [f"(global.set {name} {self._expression(depth)})"]

    def _store(self, depth: int) -> list[str]:
        self._charge(STEP_TOKENS + 2)
        op, _ = self.rng.choice(STORES)
        offset = self.rng.randint(0, MAX_OFFSET)
        return [f"({op} offset={offset} {self._address(depth - 1)} {self._expression(depth)})"]

    def _print(self, depth: int) -> list[str]:
        if self._chance(40) and self._affordable(OUT32_TOKENS):
            self._charge(OUT32_TOKENS)
            return [f"(call $out32 {self._expression(depth)})"]
        self._charge(STEP_TOKENS)
        return [f"(call $putchar {self._expression(depth)})"]

    def _drop(self, depth: int) -> list[str]:
        self._charge(STEP_TOKENS)
        return [f"(drop {self._expression(depth)})"]

    def _call_statement(self, depth: int) -> list[str]:
        with_result = self._chance(50)
        callee = self._callee(with_result)
        if callee is None:
            return self._print(depth)
        call = self._call(callee, depth - 1)
        if not with_result:
            return [call]
        if self._chance(50) and self._affordable(OUT32_TOKENS):
            self._charge(OUT32_TOKENS)
            return [f"(call $out32 {call})"]
        self._charge(STEP_TOKENS)
        return [f"(call $putchar {call})"]

    def _if_statement(self, nesting: int) -> list[str]:
        self._charge(2 * STEP_TOKENS)
        label = self._new_label("i")
        lines = [f"(if {label} {self._expression(self.size.expression_depth)}"]
        with self._label(label):
            lines += ["  (then"] + _indent(self._statements(nesting), 4) + ["  )"]
            if self._chance(60):
                lines += ["  (else"] + _indent(self._statements(nesting), 4) + ["  )"]
        return lines + [")"]

    def _loop_statement(self, nesting: int) -> list[str]:
        times = self.rng.randint(1, self.size.loop_iterations)
        counter = self._new_counter()
        loop = self._new_label("l")
        self._charge(STEP_TOKENS)
        if self._chance(50):
            # Count down. The body may leave early through an enclosing block.
            with self._repeated(times):
                self._charge(3 * STEP_TOKENS)
                body = self._statements(nesting)
            step = f"(local.tee {counter} (i32.sub (local.get {counter}) (i32.const 1)))"
            return ([f"(local.set {counter} (i32.const {times}))", f"(loop {loop}"]
                    + _indent(body) + [f"  (br_if {loop} {step})", ")"])
        # Count up inside a block that the body may also leave through.
        exit_label = self._new_label("x")
        with self._repeated(times + 1):
            self._charge(6 * STEP_TOKENS)
            with self._label(exit_label):
                body = self._statements(nesting)
        check = f"(br_if {exit_label} (i32.ge_s (local.get {counter}) (i32.const {times})))"
        step = f"(local.set {counter} (i32.add (local.get {counter}) (i32.const 1)))"
        return ([f"(local.set {counter} (i32.const 0))", f"(block {exit_label}",
                 f"  (loop {loop}", f"    {check}"]
                + _indent(body, 4) + [f"    {step}", f"    (br {loop})", "  )", ")"])

    def _block_statement(self, nesting: int) -> list[str]:
        self._charge(STEP_TOKENS)
        label = self._new_label("b")
        with self._label(label):
            body = self._statements(nesting)
        return [f"(block {label}"] + _indent(body) + [")"]

    def _switch_statement(self, nesting: int) -> list[str]:
        """Generate a br_table that dispatches to case bodies, each ending or falling through."""
        self._charge(4 * STEP_TOKENS)
        cases = self.rng.randint(1, 3)
        end = self._new_label("s")
        names = [self._new_label("k") for _ in range(cases)]
        choices = [*names, end, *self.labels]
        targets = [self.rng.choice(choices) for _ in range(self.rng.randint(0, 4))]
        default = self.rng.choice(choices)
        index = self._index(self.size.expression_depth)
        lines = [f"(br_table {' '.join([*targets, default])} {index})"]
        outer = self.labels
        for position, name in enumerate(names):
            lines = [f"(block {name}"] + _indent(lines) + [")"]
            # The body of a case runs after its block ends, inside the later cases' blocks.
            self.labels = [*outer, end, *reversed(names[position + 1:])]
            try:
                lines += self._statements(nesting, self.rng.randint(0, 2))
            finally:
                self.labels = outer
            if self._chance(60):
                lines.append(f"(br {end})")
        return [f"(block {end}"] + _indent(lines) + [")"]

    def _branch_statement(self, depth: int) -> list[str]:
        """Generate a br or br_if to an enclosing label, sometimes over values it drops."""
        self._charge(2 * STEP_TOKENS)
        label = self.rng.choice(self.labels)
        extra = [self._expression(depth - 1) for _ in range(self.rng.choice((0, 0, 1, 2)))]
        if self._chance(60):
            branch = f"(br_if {label} {self._expression(depth)})"
            return [*extra, branch, *["(drop)"] * len(extra)]
        below = "".join(f"{value} " for value in extra)
        return [f"(if {self._expression(depth)} (then {below}(br {label})))"]

    def _return_statement(self, depth: int) -> list[str]:
        self._charge(2 * STEP_TOKENS)
        condition = self._expression(depth)
        value = f" {self._expression(depth)}" if self.function.has_result else ""
        return [f"(if {condition} (then (return{value})))"]

    def _exit_statement(self, depth: int) -> list[str]:
        if not self._chance(30):
            return self._print(depth)
        self._charge(2 * STEP_TOKENS)
        return [f"(if {self._expression(depth)} (then (call $exit {self._expression(depth)})))"]

    def _planted_trap(self) -> list[str]:
        self.trap_pending = False
        self.trap_planted = True
        self._charge(6 * STEP_TOKENS)
        kind = self.trap_kind
        depth = 1
        # A divisor or dividend read from a variable may not trap, and then the helper runs its
        # full loop, so such variants are chosen only while that cost fits.
        variable = self._chance(30) and self._affordable(HELPER_TOKENS["div_s"])
        if variable:
            self._charge(HELPER_TOKENS["div_s"])
        if kind == "integer divide by zero":
            op = self.rng.choice(("div_u", "div_s", "rem_u", "rem_s"))
            divisor = self._leaf() if variable else "(i32.const 0)"
            trap = f"(drop (i32.{op} {self._expression(depth)} {divisor}))"
        elif kind == "integer overflow":
            dividend = self._leaf() if variable else "(i32.const -2147483648)"
            trap = f"(drop (i32.div_s {dividend} (i32.const -1)))"
        elif kind == "out of bounds memory access":
            trap = self._out_of_bounds_access()
        else:
            trap = "(unreachable)"
        if self._chance(30):
            return [f"(if {self._expression(depth)} (then {trap}))"]
        return [trap]

    def _out_of_bounds_access(self) -> str:
        """Generate a load or store whose effective address range ends past the memory."""
        is_store = self._chance(50)
        op, width = self.rng.choice(STORES if is_store else LOADS)
        roll = self.rng.randint(0, 2)
        if roll == 0:
            # The access straddles or starts past the end of memory.
            address, offset = MEMORY_BYTES - width + self.rng.randint(1, width + 2), 0
        elif roll == 1:
            # The offset alone reaches the end.
            address, offset = self.rng.randint(0, 3), MEMORY_BYTES - self.rng.randint(0, 1)
        else:
            # Address plus offset exceeds 2**32 and would wrap to a small address mod 2**32.
            address, offset = -self.rng.randint(1, 4), self.rng.randint(4, 16)
        target = f"offset={offset} (i32.const {address})"
        if is_store:
            return f"({op} {target} {self._leaf()})"
        return f"(drop ({op} {target}))"

    # Functions and the module.

    def _function(self, name: str, has_result: bool, params: int, budget: int,
                  export: bool = False) -> _Function:
        function = _Function(name, params, has_result, budget)
        function.values = [f"$p{i}" for i in range(params)]
        function.values += [f"$v{i}" for i in range(self.rng.randint(1, 3))]
        self.function = function
        body = self._statements(self.size.nesting)
        if name == "$start":
            body += self._final_output()
        if self.trap_pending:
            body += self._planted_trap()
        if has_result:
            self._charge(2 * STEP_TOKENS)
            body.append(self._expression(self.size.expression_depth))
        signature = "".join(f" (param $p{i} i32)" for i in range(params))
        if export:
            signature = ' (export "_start")' + signature
        if has_result:
            signature += " (result i32)"
        locals_ = [name for name in function.values if name.startswith("$v")]
        locals_ += function.counters + ["$t"]
        function.lines = ([f"(func {name}{signature}",
                           "  " + " ".join(f"(local {local} i32)" for local in locals_)]
                          + _indent(body) + [")"])
        return function

    def _final_output(self) -> list[str]:
        """Print the low byte of every mutable global and some data bytes."""
        lines = [f"(call $putchar (global.get {g}))" for g, mutable, _ in self.globals if mutable]
        dump = self.rng.choice((0, 4, 8))
        lines += [f"(call $putchar (i32.load8_u (i32.const {a})))" for a in range(dump)]
        self._charge((len(lines) * 3) * STEP_TOKENS)
        return lines

    def generate(self) -> RandomProgram:
        size = self.size
        if self._chance(size.trap_percent):
            self.trap_kind = self.rng.choice(TRAP_KINDS)
        for index in range(self.rng.randint(0, size.functions)):
            self.trap_pending = self.trap_kind is not None and not self.trap_planted \
                and self._chance(30)
            has_result = self._chance(75)
            params = self.rng.randint(0, 3)
            self.functions.append(
                self._function(f"$f{index}", has_result, params, size.token_budget // 4))
        self.trap_pending = self.trap_kind is not None and not self.trap_planted
        start = self._function("$start", self._chance(80), 0, size.token_budget, export=True)
        return RandomProgram(self._module_text(start), self.trap_kind, start.cost)

    def _module_text(self, start: _Function) -> str:
        data = bytes(self.rng.randrange(256) for _ in range(DATA_SIZE))
        escaped = "".join(f"\\{byte:02x}" for byte in data)
        lines = [
            "(module",
            '  (import "hullvm" "putchar" (func $putchar (param i32)))',
            '  (import "hullvm" "exit" (func $exit (param i32)))',
            "  (memory 1)",
            f'  (data (i32.const 0) "{escaped}")',
        ]
        for name, mutable, value in self.globals:
            kind = "(mut i32)" if mutable else "i32"
            lines.append(f"  (global {name} {kind} (i32.const {value}))")
        lines += _indent(_OUT32_LINES)
        for function in [*self.functions, start]:
            lines += _indent(function.lines)
        return "\n".join(lines + [")"]) + "\n"


_OUT32_LINES = [
    "(func $out32 (param $value i32)",
    f"  (i32.store (i32.const {OUT32_ADDRESS}) (local.get $value))",
    *[f"  (call $putchar (i32.load8_u (i32.const {OUT32_ADDRESS + i})))" for i in range(4)],
    ")",
]


def _indent(lines: list[str], width: int = 2) -> list[str]:
    return [" " * width + line for line in lines]


def generate_program(rng: random.Random, size: ProgramSize = SMALL) -> RandomProgram:
    """Generate one program from the draws of `rng`."""
    return _Generator(rng, size).generate()


def program_for_seed(seed: int, size: ProgramSize = SMALL) -> RandomProgram:
    """Generate the program that `seed` fixes."""
    return generate_program(random.Random(seed), size)


def programs(size: ProgramSize = SMALL):
    """Return a hypothesis strategy of programs whose draws hypothesis can shrink."""
    from hypothesis import strategies as st

    return st.randoms(use_true_random=False).map(lambda rng: generate_program(rng, size))
