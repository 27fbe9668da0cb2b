"""The machine: a WebAssembly interpreter written as a graph of neurons and 2D lookups.

Every position runs the same graph. A position whose input token ends a step is a "decision"
position: it fetches the next instruction, reads its operands and emits the next OP token. The
positions inside a step emit the step's bytes, and they read the words to emit from the
decision position that started the step. The machine state exists only as earlier tokens:

- the stack pointer SP, the call depth D and the number of getchar steps are running sums of
  per-OP-token deltas (a mean over all positions times the position count, rounded);
- the program counter is the target of the latest jump plus the number of steps since it;
- stack slots, memory bytes and frame records are the latest tokens written at an address,
  found by a lookup whose keys lie on the parabola (2a, -a^2).

Values are integers or dyadic fractions far below 2**53, so float64 arithmetic stays exact.
"""

from __future__ import annotations

from hullvm.graph.dsl import Dim, Expr, ExprLike, Graph, GraphBuilder, as_expr
from hullvm.wasm.isa import DSP_BIAS, LOADS, OP, OPS, STORES
from hullvm.wasm.tokens import (
    CODE_FIELDS,
    CODE_START,
    CODE_WIDTH,
    KIND,
    KINDS,
    STEP_LAYOUT,
    STORE_WIDTH,
    TRAP_CODE,
    VOCAB,
    WORD_TOP,
    WORDS,
)

MACHINE_VERSION = "1"

BIG = float(2**36)  # larger than any difference of two 33-bit values; used to gate by a flag
MISS = float(2**46)  # key penalty of tokens a lookup must skip; above any (a - q)**2 that matters
ROUND = 1.5 * 2.0**52  # adding then subtracting this rounds a float64 below 2**51 to an integer
ROLE_SCORE = float(2**20)  # logit margin of the role to emit over the byte score 2*v*e - v*v
STEP_EPS = 2.0**-24  # resolution of the fractional byte values in the emission staircase
TWO32 = float(2**32)


class _Machine:
    """Builds the machine graph; one instance per build, so no state is shared."""

    def __init__(self) -> None:
        self.g = GraphBuilder(VOCAB.size)
        self.one = as_expr(self.g.one)

    # Small building blocks, each a handful of ReGLU neurons ---------------------------------

    def step(self, name: str, d: ExprLike, gate: ExprLike | None = None) -> Dim:
        """[d >= 1] for an integer d, and-ed with a 0/1 gate when one is given."""
        d = as_expr(d)
        if gate is not None:
            d = d + (as_expr(gate) - 1) * BIG
        return self.g.neurons(name, [(1, self.one, d), (-1, self.one, d - 1)])

    def hat(self, name: str, d: ExprLike, gate: ExprLike | None = None) -> Dim:
        """[d == 0] for an integer d, and-ed with a 0/1 gate when one is given."""
        d = as_expr(d)
        if gate is not None:
            d = d + (as_expr(gate) - 1) * BIG
        return self.g.neurons(name, [(1, self.one, d + 1), (-2, self.one, d), (1, self.one, d - 1)])

    def gate(self, name: str, terms: list[tuple[ExprLike, ExprLike]]) -> Dim:
        """sum(flag * value) over (flag, value) pairs whose flags are 0 or 1."""
        return self.g.neurons(name, [(1, value, flag) for flag, value in terms])

    def both(self, name: str, a: ExprLike, b: ExprLike) -> Dim:
        """a AND b for two 0/1 dimensions."""
        return self.g.neurons(name, [(1, self.one, as_expr(a) + b - 1)])

    def rounded(self, name: str, u: ExprLike) -> Dim:
        """u rounded to the nearest integer by float64 rounding at 2**52 (|u| < 2**50)."""
        return self.g.neurons(name, [(1, self.one, as_expr(u) + ROUND), (-ROUND, self.one, self.one)])

    def at_position(self, name: str, query: ExprLike, values) -> tuple[Dim, Dim]:
        """Read values of the token at an absolute position (exact for integer positions)."""
        g = self.g
        return g.lookup(name, (query, 1.0), (2 * g.position, -1 * g.position_sq), values)

    def latest(self, name: str, flag: ExprLike, values) -> tuple[Dim, Dim]:
        """Read values of the latest token (up to this one) whose flag is 1."""
        return self.g.lookup(name, (0.0, 1.0), (0.0, flag), values)

    def running_sum(self, name: str, values: tuple[ExprLike, ExprLike]) -> tuple[Dim, Dim]:
        """Exact sums over all positions so far of two per-token integer values."""
        g = self.g
        mean = g.lookup(name, (0.0, 0.0), (0.0, 0.0), values, tie="mean")
        count = g.position + 1
        return tuple(  # type: ignore[return-value]
            g.neurons(f"{name}.sum{i}", [(1, m, count)]) for i, m in enumerate(mean)
        )

    def addressed(self, name: str, writes: list[tuple[ExprLike, ExprLike]]) -> tuple[Dim, Dim]:
        """Gate addresses by their write flags and square them, for keys (2a, -a^2 - MISS).

        ``writes`` lists (flag, address) pairs whose flags are never 1 at the same position.
        """
        key = self.gate(f"{name}.key", [(flag, address) for flag, address in writes])
        square = self.g.neurons(f"{name}.sq", [
            (1, address, as_expr(address) + (as_expr(flag) - 1) * BIG) for flag, address in writes])
        return key, square

    def read(self, name: str, query: ExprLike, key: Dim, square: Dim, flag: ExprLike, values):
        """Read the latest write at an address; writes are tokens with flag 1."""
        k = (2 * as_expr(key), -1 * as_expr(square) + (as_expr(flag) - 1) * MISS)
        return self.g.lookup(name, (query, 1.0), k, values)

    # The graph ------------------------------------------------------------------------------

    def build(self) -> Graph:
        self.token_features()
        self.step_phase()
        self.state()
        self.keys()
        self.fetch()
        self.execute()
        self.emit()
        return self.g.build()

    def token_features(self) -> None:
        g, V = self.g, VOCAB
        n = V.size
        value = [0.0] * n
        for base in (V.code, V.da, V.data, V.input, V.byte):
            for v in range(256):
                value[base + v] = float(v)
        is_op, kind, dsp, dcall, getc = ([0.0] * n for _ in range(5))
        for k, name in enumerate(KINDS):
            for v in range(256):
                t = V.op_token(name, v)
                value[t] = float(v)
                is_op[t] = 1.0
                kind[t] = float(k)
                dsp[t] = float(v - DSP_BIAS) if name != "TRAP" else 0.0
                dcall[t] = {"CALL": 1.0, "RET": -1.0, "RETV": -1.0}.get(name, 0.0)
                getc[t] = 1.0 if name == "GETC" else 0.0
        role = {r: [0.0] * n for r in ("DA", "DATA", "INHDR", "INPUT")}
        for v in range(256):
            role["DA"][V.da + v] = 1.0
            role["DATA"][V.data + v] = 1.0
            role["INPUT"][V.input + v] = 1.0
        role["INHDR"][V.inhdr] = 1.0
        self.value = g.token_feature("value", value)
        self.is_op = g.token_feature("is_op", is_op)
        self.kind_code = g.token_feature("kind", kind)
        self.op_dsp = g.token_feature("op_dsp", dsp)
        self.op_dcall = g.token_feature("op_dcall", dcall)
        self.op_getc = g.token_feature("op_getc", getc)
        self.is_role = {r: g.token_feature(f"is_{r.lower()}", f) for r, f in role.items()}

    def step_phase(self) -> None:
        """Find the step this position is in and its phase: (kind, index after the OP token)."""
        g = self.g
        self.prev = []
        for m in (1, 2, 3):
            v, _ = self.at_position(f"prev{m}", g.position - m, (self.value, 0.0))
            self.prev.append(v)
        self.op_kind, self.op_pos = self.latest("last_op", self.is_op, (self.kind_code, g.position))
        index = g.position - self.op_pos
        z = self.op_kind * 16 + index
        self.phase: dict[tuple[str, int], Dim] = {}
        for name in KINDS:
            for i in range(len(STEP_LAYOUT[name]) + 1):
                if name == "TRAP":
                    continue
                self.phase[name, i] = self.hat(f"phase.{name}.{i}", z - (16 * KIND[name] + i))
        decision = [self.phase[k, len(STEP_LAYOUT[k])] for k in KINDS if k not in ("HALT", "TRAP")]
        self.is_decision = sum((as_expr(d) for d in decision), Expr())
        self.is_halt_end = as_expr(self.phase["HALT", 4])

    def state(self) -> None:
        """SP, call depth, step count, input cursor and program counter at this position."""
        g = self.g
        count, sp = self.running_sum("sum_sp", (self.is_op, self.op_dsp))
        depth, getc = self.running_sum("sum_depth", (self.op_dcall, self.op_getc))
        self.count = count
        self.sp_raw = sp
        self.sp = self.rounded("sp", sp)
        self.depth = self.rounded("depth", depth)
        self.ninput = getc
        # Program counter: the latest jump target plus the steps since that jump.
        target_here = self.value + 256 * self.prev[0]
        flag = Expr()
        for name, i in (("JUMP", 2), ("RET", 2), ("CALL", 6), ("RETV", 6)):
            flag = flag + self.phase[name, i]
        self.is_target_end = flag
        target, count_then = self.latest("last_jump", self.is_target_end, (target_here, count))
        self.pc_next = target + count - count_then
        # Inside a step the OP token is already counted, so the step's own PC is one less.
        self.pc = self.pc_next - (1 - self.is_decision)
        _, inhdr_pos = self.latest("inhdr", self.is_role["INHDR"], (0.0, g.position))
        self.input_byte, self.input_ok = self.at_position(
            "input", inhdr_pos + 1 + self.ninput, (self.value, self.is_role["INPUT"]))

    def keys(self) -> None:
        """Addresses written by this token: stack slot, memory byte, frame record."""
        g, ph = self.g, self.phase
        # A stack word is written by the token carrying its byte 0.
        word = self.value + 256 * self.prev[0] + 65536 * self.prev[1] + 16777216 * self.prev[2]
        self.word_here = word
        push_flag = ph["PUSH", 4] + ph["GETC", 4] + ph["RETV", 4]
        self.push_flag = push_flag
        self.set_flag = as_expr(ph["SET", 4])
        self.push_key = self.addressed("push_slot", [(push_flag, self.sp - 1)])
        # Memory: store bytes sit at phases 4..7, carrying byte 7 - i of the value; DATA tokens
        # follow a header of three DA tokens holding the base address.
        addr_word = self.value + 256 * self.prev[0] + 65536 * self.prev[1]
        store_addr, _ = self.at_position("store_addr", self.op_pos + 3, (addr_word, 0.0))
        base, header_pos = self.latest("data_base", self.is_role["DA"], (addr_word, g.position))
        mem_terms = [(self.is_role["DATA"], base + g.position - header_pos - 1)]
        mem_flag = as_expr(self.is_role["DATA"])
        for name, width in STORE_WIDTH.items():
            for k in range(width):
                mem_terms.append((ph[name, 7 - k], store_addr + k))
                mem_flag = mem_flag + ph[name, 7 - k]
        self.mem_flag = mem_flag
        address = self.gate("mem_addr", mem_terms)
        self.mem_key = self.addressed("mem", [(mem_flag, address)])
        # Frame records: written by CALL's byte 0 of the return address, keyed by call depth.
        self.frame_flag = as_expr(ph["CALL", 4])
        self.frame_fp = self.prev[1] + 256 * self.prev[2]
        self.frame_ra = self.value + 256 * self.prev[0]
        self.frame_key = self.addressed("frame", [(self.frame_flag, self.depth)])

    def fetch(self) -> None:
        """Read the instruction at PC from the prefix, two fields per lookup."""
        f = {}
        base = CODE_START + self.pc * CODE_WIDTH
        for i in range(1, CODE_WIDTH, 2):
            hi, lo = self.at_position(f"fetch{i}", base + i, (self.value, self.prev[0]))
            f[CODE_FIELDS[i]], f[CODE_FIELDS[i - 1]] = hi, lo
        self.f = f
        self.opcode = f["op"]
        self.imm = 16777216 * f["imm3"] + 65536 * f["imm2"] + 256 * f["imm1"] + f["imm0"]
        self.tgt = 256 * f["tgt1"] + f["tgt0"]
        self.aux = 256 * f["aux1"] + f["aux0"]
        self.ind = {name: self.hat(f"is.{name}", self.opcode - OP[name]) for name in OPS}

        # The current frame: its pointer, return address and the position of its record.
        fp, ra = self.read("frame", self.depth, *self.frame_key, self.frame_flag,
                           (self.frame_fp, self.frame_ra))
        _, frame_pos = self.read("frame_pos", self.depth, *self.frame_key, self.frame_flag,
                                 (0.0, self.g.position))
        self.fp, self.ra, self.frame_pos = fp, ra, frame_pos
        self.local_slot = fp + self.imm

        # Stack slots written by local.set. The last byte of a local.set step is also the decision position of the next step, so
        # there PC already names the next instruction: read the local index of the step's own.
        own = CODE_START + (self.pc_next - 1) * CODE_WIDTH + CODE_FIELDS.index("imm0")
        imm0, imm1 = self.at_position("set_index", own, (self.value, self.prev[0]))
        set_slot = fp + imm0 + 256 * imm1
        key, square = self.addressed(
            "slot", [(self.push_flag, self.sp - 1), (self.set_flag, set_slot)])
        self.slot_key = (key, square, self.push_flag + self.set_flag)

    def execute(self) -> None:
        """Compute the step at a decision position: its kind, stack change and words."""
        ind, g = self.ind, self.g
        key, square = self.push_key
        operands = []
        for name, offset in (("x", 1), ("y", 2), ("z", 3)):
            word, _ = self.read(f"operand_{name}", self.sp - offset, key, square, self.push_flag,
                                (self.word_here, 0.0))
            operands.append(word)
        x, y, z = operands
        # Locals: the latest write to FP + index; a write older than this frame is stale, which
        # reads as zero for declared (non-parameter) locals.
        skey, ssq, sflag = self.slot_key
        local, local_pos = self.read("local", self.local_slot, skey, ssq, sflag,
                                     (self.word_here, g.position))
        # Tokens that write nothing report slot -1, so they never match a queried slot.
        local_slot, _ = self.read("local_slot", self.local_slot, skey, ssq, sflag,
                                  (skey + sflag - 1, 0.0))
        fresh = self.step("local_fresh", local_pos - self.frame_pos)
        same = self.hat("local_same", local_slot - self.local_slot)
        fresh_same = self.both("local_fresh_same", fresh, same)
        # Memory operand address: X + offset, or the absolute global address.
        use_x = 1 - as_expr(ind["GLOBAL_GET"])
        eff = self.g.neurons("load_addr", [(1, x, use_x), (1, self.imm, self.one)])
        mkey, msq = self.mem_key
        mem = []
        for k in range(4):
            byte, found = self.read(f"mem{k}", eff + k, mkey, msq, self.mem_flag,
                                    (self.value, mkey + self.mem_flag - 1))
            mem.append(self.g.neurons(f"mem{k}.ok", [
                (1, byte, found - eff - k + 1), (-2, byte, found - eff - k),
                (1, byte, found - eff - k - 1)]))
        memsize = 65536 * as_expr(self.aux)
        nonzero_x = self.step("x_nonzero", x)
        sign = {name: self.step(f"{name}_neg", v - 2**31 + 1) for name, v in (("x", x), ("y", y))}
        xs = x - TWO32 * sign["x"]
        ys = y - TWO32 * sign["y"]

        val: list[tuple] = []  # (coeff, a, b) neurons of the value word
        val += [(1, self.imm, ind["CONST"]), (1, local, ind["LOCAL_GET"])]
        val += [(1, local, self.both("getz_fresh", ind["LOCAL_GETZ"], fresh_same))]
        for name in ("LOCAL_SET", "LOCAL_TEE", "MOVE", "PUTCHAR", "HALT", "RETV"):
            val.append((1, x, ind[name]))
        for name in STORES:
            val.append((1, x, ind[name]))
        val += [(1, x + y, ind["ADD"]), (1, y - x, ind["SUB"])]
        wrap = {
            "add": self.step("add_wrap", x + y - TWO32 + 1, ind["ADD"]),
            "sub": self.step("sub_wrap", x - y, ind["SUB"]),
        }
        compares = {
            "EQ": self.hat("eq", x - y, ind["EQ"]),
            "LT_S": self.step("lt_s", xs - ys, ind["LT_S"]),
            "LT_U": self.step("lt_u", x - y, ind["LT_U"]),
            "GT_S": self.step("gt_s", ys - xs, ind["GT_S"]),
            "GT_U": self.step("gt_u", y - x, ind["GT_U"]),
            "LE_S": self.step("le_s", xs - ys + 1, ind["LE_S"]),
            "LE_U": self.step("le_u", x - y + 1, ind["LE_U"]),
            "GE_S": self.step("ge_s", ys - xs + 1, ind["GE_S"]),
            "GE_U": self.step("ge_u", y - x + 1, ind["GE_U"]),
            "EQZ": self.hat("eqz", x, ind["EQZ"]),
        }
        ne_eq = self.hat("ne_eq", x - y, ind["NE"])
        select_nz = self.both("select_nz", ind["SELECT"], nonzero_x)
        val += [(1, y, ind["SELECT"]), (1, z - y, select_nz)]
        # GETCHAR pushes the input byte at the cursor, or -1 when no INPUT token is there.
        getc_ok = self.both("getc_ok", ind["GETCHAR"], self.input_ok)
        val += [(1, self.input_byte, getc_ok)]
        val += [(TWO32 - 1, self.one, ind["GETCHAR"]), (-(TWO32 - 1), self.one, getc_ok)]
        # Loads: little-endian bytes, sign-extended for the _S forms, with a bounds check.
        oob = []
        for name, (width, signed) in LOADS.items():
            word_value = sum((as_expr(mem[k]) * (256**k) for k in range(width)), Expr())
            val.append((1, word_value, ind[name]))
            if signed:
                top = mem[width - 1]
                sign_load = self.step(f"{name}_sign", as_expr(top) - 127, ind[name])
                val.append((TWO32 - 256 ** width, self.one, sign_load))
            if name != "GLOBAL_GET":
                oob.append((name, self.step(f"{name}_oob", eff + width - memsize, ind[name])))
        # Stores: address Y + offset (absolute for globals), also bounds-checked.
        use_y = 1 - as_expr(ind["GLOBAL_SET"])
        addr = self.g.neurons("store_addr_word", [(1, y, use_y), (1, self.imm, self.one)])
        for name, width in STORES.items():
            if name != "GLOBAL_SET":
                oob.append((name, self.step(f"{name}_oob", addr + width - memsize, ind[name])))
        value_terms = list(val)
        value_terms += [(1, self.one, c) for c in compares.values()]
        value_terms += [(1, self.one, ind["NE"]), (-1, self.one, ne_eq)]
        value_terms += [(-TWO32, self.one, wrap["add"]), (TWO32, self.one, wrap["sub"])]
        self.val = self.g.neurons("value_word", value_terms)
        self.addr = addr

        # Branches: which conditional ones are taken.
        taken = [
            self.both("brif_taken", ind["BR_IF"], nonzero_x),
            self.g.neurons("brifz_taken", [(1, self.one, as_expr(ind["BR_IFZ"]) - nonzero_x)]),
            self.hat("case_taken", x - self.imm, ind["CASE"]),
        ]
        any_oob = sum((as_expr(d) for _, d in oob), Expr())
        oob_of = {name: d for name, d in oob}
        kinds: dict[str, Expr] = {k: Expr() for k in KINDS}
        push_ops = ["CONST", "LOCAL_GET", "LOCAL_GETZ", "SELECT", "ADD", "SUB", "NE", "MOVE"]
        push_ops += list(compares) + list(LOADS)
        for name in push_ops:
            kinds["PUSH"] = kinds["PUSH"] + ind[name]
        for name, _ in oob:
            if name in LOADS:
                kinds["PUSH"] = kinds["PUSH"] - oob_of[name]
        kinds["GETC"] = as_expr(ind["GETCHAR"])
        kinds["SET"] = ind["LOCAL_SET"] + as_expr(ind["LOCAL_TEE"])
        for name, width in STORES.items():
            kind = f"STORE{width}"
            kinds[kind] = kinds[kind] + ind[name]
            if name in oob_of:
                kinds[kind] = kinds[kind] - oob_of[name]
        taken_sum = sum((as_expr(t) for t in taken), Expr())
        kinds["JUMP"] = ind["BR"] + taken_sum
        kinds["NONE"] = (ind["NOP"] + as_expr(ind["DROP"]) + ind["BR_IF"] + ind["BR_IFZ"]
                         + ind["CASE"] - taken_sum)
        kinds["CALL"] = as_expr(ind["CALL"])
        kinds["RET"] = as_expr(ind["RET"])
        kinds["RETV"] = as_expr(ind["RETV"])
        kinds["OUT"] = as_expr(ind["PUTCHAR"])
        kinds["HALT"] = as_expr(ind["HALT"])
        kinds["TRAP"] = ind["TRAP"] + any_oob
        self.kinds = kinds
        # The OP token's value: the stack change (jump or fall-through), or the trap code.
        dsp = as_expr(self.f["dsp"])
        dspj = as_expr(self.f["dspj"])
        op_value = [(1, dsp, self.one)]
        op_value += [(1, dspj - dsp, t) for t in taken]
        op_value += [(1, TRAP_CODE["out of bounds memory access"] - dsp, d) for _, d in oob]
        self.op_value = self.g.neurons("op_value", op_value)
        self.words = {
            "VAL": self.val,
            "ADDR": self.addr,
            "TGT": self.tgt,
            "FPN": self.sp - as_expr(self.aux),
            "PCN": self.pc_next + 1,
            "RA": self.ra,
        }

    def emit(self) -> None:
        """Choose the next token: an OP token at decision positions, else the next byte."""
        g, ph, w = self.g, self.phase, self.words
        # Inside a step, read the words from the decision position just before the OP token.
        start = self.op_pos - 1
        got = {}
        for a, b in (("VAL", "ADDR"), ("TGT", "RA"), ("FPN", "PCN")):
            got[a], got[b] = self.at_position(f"words_{a}_{b}", start, (w[a], w[b]))

        # The byte to emit is floor(y), where y is the word minus its bytes already emitted,
        # scaled so that the wanted byte is the integer part.
        current = [self.value, self.prev[0], self.prev[1]]
        y_terms = []
        for name in KINDS:
            layout = STEP_LAYOUT[name]
            for i, (word, k) in enumerate(layout):
                higher = Expr()
                for m in range(1, WORD_TOP[word] - k + 1):
                    if i - m < 0 or layout[i - m] != (word, k + m):
                        break
                    higher = higher + current[m - 1] * float(256 ** (k + m))
                y = (got[word] - higher) * float(2.0 ** (-8 * k))
                y_terms.append((1, y, ph[name, i]))
        y = g.neurons("emit_y", y_terms)
        # floor(y) for y in [0, 256) with a fractional part that is a multiple of STEP_EPS.
        stairs = []
        for m in range(1, 256):
            stairs.append((1 / STEP_EPS, self.one, y - m + STEP_EPS))
            stairs.append((-1 / STEP_EPS, self.one, y - m))
        byte = g.neurons("emit_byte", stairs)
        op_value = g.neurons("emit_op_value", [(1, self.op_value, self.is_decision)])
        emit = as_expr(byte) + op_value

        # Logits: the role to emit gets ROLE_SCORE, and within it 2*v*emit - v*v peaks at v = emit.
        next_kind = {k: self.both(f"next.{k}", self.is_decision, self.kinds[k]) for k in KINDS}
        within = Expr()
        for (name, i), d in ph.items():
            if i < len(STEP_LAYOUT[name]):
                within = within + d
        V = VOCAB
        logits: list[Expr] = [Expr((), -ROLE_SCORE * 4)] * V.size
        for v in range(256):
            byte_score = emit * (2.0 * v) - float(v * v)
            logits[V.byte + v] = within * ROLE_SCORE + byte_score
            for k in KINDS:
                logits[V.op_token(k, v)] = as_expr(next_kind[k]) * ROLE_SCORE + byte_score
        logits[V.end] = self.is_halt_end * ROLE_SCORE
        g.set_logits(logits)


def build_machine_graph() -> Graph:
    """Build the universal interpreter graph (the same for every program)."""
    return _Machine().build()
