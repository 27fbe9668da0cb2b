"""The native engine: its head caches against a brute-force reference, and its tokens against
the PyTorch model's on real programs."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import numpy as np
import pytest

from hullvm import native
from hullvm.compile.weights import LayerWeights, Weights
from hullvm.model.heads import head_kinds
from hullvm.pipeline import load_machine_weights, load_model, prepare, run_program
from hullvm.reference import run_reference
from hullvm.toolchain import load_program
from hullvm.wasm.program import TraceDecoder, build_prefix
from ordinary_programs import ORDINARY_DIR, ORDINARY_PROGRAMS
from programs import EXAMPLES_DIR, PROGRAMS

pytestmark = pytest.mark.skipif(not native.available(), reason="native extension not built")

FEATURES = ("qx", "qy", "kx", "ky", "v0", "v1")


def _synthetic(heads: list[tuple[str, str]], vocab: int, seed: int):
    """One layer whose heads read token features; returns weights and per-token features.

    Each head is (kind, tie). 'hull' heads take query, key and value from token features;
    'const' heads have a constant query and feature keys; 'position' heads key on the position
    and query a feature. Head h writes its output to dims ``out_h.0`` and ``out_h.1``.
    """
    rng = random.Random(seed)
    names = ["one", "position", "position_sq"]
    for h in range(len(heads)):
        names += [f"h{h}.{f}" for f in FEATURES] + [f"out{h}.0", f"out{h}.1"]
    d = len(names)
    col = {name: i for i, name in enumerate(names)}
    embedding = np.zeros((vocab, d))
    embedding[:, col["one"]] = 1.0
    H = len(heads)
    wq, wk, wv = (np.zeros((2 * H, d)) for _ in range(3))
    wo = np.zeros((d, 2 * H))
    consts = []
    for h, (kind, tie) in enumerate(heads):
        small = 3 if tie == "mean" or kind == "const" else 6
        for t in range(vocab):
            # Quarter steps: queries need not be integers, only keys must be.
            embedding[t, col[f"h{h}.qx"]] = rng.randint(-16, 16) / 4
            embedding[t, col[f"h{h}.qy"]] = rng.randint(-2, 2)
            embedding[t, col[f"h{h}.kx"]] = rng.randint(-small, small)
            embedding[t, col[f"h{h}.ky"]] = rng.randint(-small, small)
            embedding[t, col[f"h{h}.v0"]] = rng.randint(-9, 9)
            embedding[t, col[f"h{h}.v1"]] = rng.randint(-9, 9) if tie == "mean" else rng.random()
        if kind == "const":
            cq = (rng.randint(-2, 2), rng.randint(-2, 2))
            consts.append(cq)
            wq[2 * h, col["one"]], wq[2 * h + 1, col["one"]] = cq
        else:
            consts.append(None)
            wq[2 * h, col[f"h{h}.qx"]] = 1.0
            if kind == "position":
                wq[2 * h + 1, col["one"]] = 1.0
            else:
                wq[2 * h + 1, col[f"h{h}.qy"]] = 1.0
        if kind == "position":
            wk[2 * h, col["position"]] = 2.0
            wk[2 * h + 1, col["position_sq"]] = -1.0
        else:
            wk[2 * h, col[f"h{h}.kx"]] = 1.0
            wk[2 * h + 1, col[f"h{h}.ky"]] = 1.0
        wv[2 * h, col[f"h{h}.v0"]] = 1.0
        wv[2 * h + 1, col[f"h{h}.v1"]] = 1.0
        wo[col[f"out{h}.0"], 2 * h] = 1.0
        wo[col[f"out{h}.1"], 2 * h + 1] = 1.0
    empty = np.zeros((0, d))
    layer = LayerWeights(wq, wk, wv, wo, [tie for _, tie in heads],
                         [f"h{h}" for h in range(H)], empty, empty, np.zeros((d, 0)))
    weights = Weights(embedding, (col["position"], col["position_sq"]), [layer],
                      np.zeros((vocab, d)), names)
    return weights, col, consts


def _expected(weights, col, consts, heads, tokens):
    """The residual after the last token, by scoring every earlier key exactly."""
    emb = weights.embedding
    t = len(tokens) - 1
    x = emb[tokens[-1]].copy()
    x[col["position"]], x[col["position_sq"]] = t, t * t
    for h, (kind, tie) in enumerate(heads):
        f = {name: emb[tokens[-1], col[f"h{h}.{name}"]] for name in FEATURES}
        if kind == "const":
            q = consts[h]
        elif kind == "position":
            q = (f["qx"], 1)
        else:
            q = (f["qx"], f["qy"])
        scores, values = [], []
        for p, token in enumerate(tokens):
            g = {name: emb[token, col[f"h{h}.{name}"]] for name in FEATURES}
            key = (2 * p, -p * p) if kind == "position" else (g["kx"], g["ky"])
            scores.append(Fraction(q[0]) * int(key[0]) + Fraction(q[1]) * int(key[1]))
            values.append((g["v0"], g["v1"]))
        best = max(scores)
        tied = [values[p] for p, s in enumerate(scores) if s == best]
        if tie == "latest":
            out = tied[-1]
        else:
            out = tuple(float(sum(int(v[i]) for v in tied)) / len(tied) for i in range(2))
        x[col[f"out{h}.0"]], x[col[f"out{h}.1"]] = out
    return x


HEAD_SETS = [
    [("hull", "latest"), ("hull", "mean")],
    [("const", "latest"), ("const", "mean"), ("position", "latest")],
    [("hull", "latest"), ("position", "latest"), ("const", "mean"), ("hull", "mean")],
]


@pytest.mark.parametrize("cache", ["hull", "standard", "both"])
@pytest.mark.parametrize("heads", HEAD_SETS, ids=["hull", "const-position", "mixed"])
@pytest.mark.parametrize("seed", [1, 2])
def test_heads_match_exact_reference(heads, cache, seed):
    weights, col, consts = _synthetic(heads, vocab=24, seed=seed)
    assert [k for k in head_kinds(weights)[0]] == [kind for kind, _ in heads]
    engine = native.NativeEngine(weights, cache)
    rng = random.Random(seed)
    tokens = []
    for step in range(120):
        tokens.append(rng.randrange(24))
        if cache == "both":
            engine.set_scan(step % 3 == 0)
        engine.feed(tokens[-1])
        expected = _expected(weights, col, consts, heads, tokens)
        assert np.array_equal(engine.core.residual(), expected), (step, tokens)


def test_non_integer_key_is_a_clear_error():
    weights, col, _ = _synthetic([("hull", "latest")], vocab=4, seed=3)
    weights.embedding[1, col["h0.kx"]] = 0.5
    engine = native.NativeEngine(weights, "hull")
    engine.feed(0)
    with pytest.raises(Exception, match="head h0: key 0.5.* is not an integer"):
        engine.feed(1)


@pytest.fixture(scope="module")
def weights():
    return load_machine_weights()


def test_machine_head_kinds_are_stored_and_checked(weights, tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    from hullvm.errors import WeightsError
    from hullvm.model.weightfile import load_weights, save_weights
    from hullvm.wasm.tokens import VOCAB

    kinds = head_kinds(weights)
    assert {"const", "position", "hull"} == {k for layer in kinds for k in layer}
    path = tmp_path / "w.safetensors"
    save_weights(weights, path, "test")
    with safe_open(str(path), framework="numpy") as handle:
        meta = json.loads(handle.metadata()["hullvm"])
    assert json.loads(meta["head_kinds"]) == kinds
    # The same tensors with one head's kind changed in the metadata must be refused.
    changed = json.loads(meta["head_kinds"])
    changed[0][0] = "hull" if changed[0][0] != "hull" else "const"
    meta["head_kinds"] = json.dumps(changed)
    save_file(load_file(str(path)), str(path), metadata={"hullvm": json.dumps(meta)})
    with pytest.raises(WeightsError, match="head kinds"):
        load_weights(path, machine_version="test", vocab_size=VOCAB.size)


@pytest.mark.parametrize("name,input_bytes", [("hello.c", b"Ada\n"), ("sort.c", b"3 1 2")])
def test_native_tokens_equal_torch_tokens(weights, name, input_bytes):
    program = prepare(load_program(EXAMPLES_DIR / name))
    by_native = run_program(program, input_bytes, engine="native", weights=weights,
                            keep_tokens=True)
    by_torch = run_program(program, input_bytes, engine="torch", model=load_model(),
                           keep_tokens=True)
    assert by_native.tokens == by_torch.tokens
    assert by_native.stop_reason == "halt"


def test_native_standard_cache_gives_the_same_tokens(weights):
    program = prepare(load_program(EXAMPLES_DIR / "hello.c"))
    runs = [run_program(program, b"", engine="native", cache=cache, weights=weights,
                        keep_tokens=True) for cache in ("hull", "standard")]
    assert runs[0].tokens == runs[1].tokens


@pytest.mark.parametrize("name,input_bytes", [
    ("hungarian.c", b"3\n4 1 3\n2 0 5\n3 2 2\n"), ("collatz.c", b"27"), ("nqueens.c", b""),
    ("sieve.c", b""), ("strrev.c", b""), ("gcd.c", b""), ("fibonacci.c", b"50")])
def test_native_matches_wasmtime(weights, name, input_bytes):
    wasm = load_program(EXAMPLES_DIR / name)
    expected = run_reference(wasm, input_bytes)
    result = run_program(prepare(wasm), input_bytes, engine="native", weights=weights)
    assert (result.trace.output, result.trace.exit_code, result.trace.trap) == (
        expected.output, expected.exit_code, expected.trap)


def _every_program():
    """Every example and ordinary program with each of its table inputs."""
    for folder, table in ((EXAMPLES_DIR, PROGRAMS), (ORDINARY_DIR, ORDINARY_PROGRAMS)):
        for name, input_bytes, _ in table:
            # The default Sudoku puzzle is 30.9 million tokens, about two minutes here.
            long = name == "sudoku.c" and input_bytes == b""
            yield pytest.param(folder / name, input_bytes, marks=(pytest.mark.slow,) if long else (),
                               id=f"{name}-{input_bytes[:12]!r}")


@pytest.mark.parametrize("path,input_bytes", list(_every_program()))
def test_every_program_native_matches_wasmtime(weights, path, input_bytes):
    wasm = load_program(path)
    expected = run_reference(wasm, input_bytes)
    result = run_program(prepare(wasm), input_bytes, engine="native", weights=weights)
    assert result.stop_reason in ("halt", "trap")
    assert result.trace.output == expected.output
    assert result.trace.exit_code == expected.exit_code
    assert result.trace.trap == expected.trap


def test_chunked_decoding_equals_token_by_token(weights):
    program = prepare(load_program(EXAMPLES_DIR / "hello.c"))
    run = run_program(program, b"Grace\n", engine="native", weights=weights, keep_tokens=True)
    one = TraceDecoder()
    for token in run.tokens:
        one.feed(token)
    rng = random.Random(5)
    for _ in range(5):
        many = TraceDecoder()
        i, out = 0, b""
        while i < len(run.tokens):
            j = min(len(run.tokens), i + rng.randint(1, 400))
            used, chunk = many.feed_many(run.tokens[i:j])
            out += chunk
            i += used
            if many.done:
                break
        assert out == one.output == run.trace.output
        assert many.result() == one.result()


def test_max_tokens_is_exact(weights):
    program = prepare(load_program(EXAMPLES_DIR / "hello.c"))
    for limit in (1, 7, 1000):
        run = run_program(program, b"", engine="native", weights=weights, max_tokens=limit,
                          keep_tokens=True)
        assert run.generated_tokens == limit == len(run.tokens)
        assert run.stop_reason == "token limit"
    prefix = build_prefix(program, b"")
    assert run.prefix_tokens == len(prefix)
