"""Weight building: deterministic, versioned, and the shape it reports."""

from __future__ import annotations

import hashlib

from hullvm.model.weightfile import load_weights, save_weights
from hullvm.pipeline import build, machine_version
from hullvm.wasm.tokens import VOCAB


def test_building_twice_gives_identical_bytes(tmp_path):
    paths = [tmp_path / "a.safetensors", tmp_path / "b.safetensors"]
    for path in paths:
        save_weights(build().weights, path, machine_version())
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    assert digests[0] == digests[1]


def test_weights_round_trip(tmp_path):
    weights = build().weights
    path = tmp_path / "w.safetensors"
    save_weights(weights, path, machine_version())
    loaded = load_weights(path, machine_version=machine_version(), vocab_size=VOCAB.size)
    assert loaded.shape_summary() == weights.shape_summary()


def test_every_head_has_dimension_two():
    weights = build().weights
    for layer in weights.layers:
        assert layer.wq.shape[0] == 2 * len(layer.ties)
        assert layer.wk.shape == layer.wq.shape
        assert layer.wo.shape[1] == 2 * len(layer.ties)
