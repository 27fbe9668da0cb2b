"""Weight files: safetensors with the metadata needed to reject a file built for another version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

from hullvm.compile.weights import LayerWeights, Weights
from hullvm.errors import WeightsError

FORMAT_VERSION = "2"
_LAYER_ARRAYS = ("wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down")


def save_weights(weights: Weights, path: Path, machine_version: str) -> None:
    """Write weights and their metadata to a safetensors file."""
    tensors = {"embedding": weights.embedding, "unembedding": weights.unembedding}
    for i, layer in enumerate(weights.layers):
        for name in _LAYER_ARRAYS:
            tensors[f"layers.{i}.{name}"] = np.ascontiguousarray(getattr(layer, name))
    metadata = {
        "format_version": FORMAT_VERSION,
        "machine_version": machine_version,
        "vocab_size": str(weights.vocab_size),
        "d_model": str(weights.d_model),
        "n_layers": str(len(weights.layers)),
        "position_dims": json.dumps(list(weights.position_dims)),
        "ties": json.dumps([layer.ties for layer in weights.layers]),
        "head_names": json.dumps([layer.head_names for layer in weights.layers]),
        "dim_names": json.dumps(weights.dim_names),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # One metadata entry: safetensors writes several entries in hash order, which would make two
    # builds of the same weights differ byte for byte.
    save_file(tensors, str(path), metadata={"hullvm": json.dumps(metadata, sort_keys=True)})


def load_weights(path: Path, *, machine_version: str, vocab_size: int) -> Weights:
    """Read a weights file, checking that it was built for this machine and vocabulary.

    Raises WeightsError naming the mismatched field and the fix (rebuild with `hullvm build`).
    """
    try:
        with safe_open(str(path), framework="numpy") as handle:
            metadata = json.loads((handle.metadata() or {}).get("hullvm", "{}"))
        tensors = load_file(str(path))
    except (OSError, SafetensorError, KeyError, ValueError) as error:
        raise WeightsError(f"cannot read weights file {path}: {error}") from None
    expected = {"format_version": FORMAT_VERSION, "machine_version": machine_version,
                "vocab_size": str(vocab_size)}
    for field, value in expected.items():
        found = metadata.get(field)
        if found != value:
            raise WeightsError(
                f"weights file {path} has {field}={found!r} but this hullvm needs {value!r}; "
                f"rebuild it with `hullvm build -o {path}`")
    ties = json.loads(metadata["ties"])
    names = json.loads(metadata["head_names"])
    layers = []
    for i in range(int(metadata["n_layers"])):
        arrays = {name: tensors[f"layers.{i}.{name}"] for name in _LAYER_ARRAYS}
        layers.append(LayerWeights(ties=ties[i], head_names=names[i], **arrays))
    return Weights(tensors["embedding"], tuple(json.loads(metadata["position_dims"])), layers,
                   tensors["unembedding"], json.loads(metadata["dim_names"]))
