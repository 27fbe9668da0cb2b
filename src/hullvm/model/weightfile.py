"""Weight files: safetensors with the metadata needed to reject a file built for another version."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

from hullvm.compile.weights import LayerWeights, Weights
from hullvm.errors import WeightsError
from hullvm.model.heads import head_kinds

FORMAT_VERSION = "4"
_LAYER_ARRAYS = ("wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down")


def _checksum(tensors: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(tensors[name], dtype=np.float64).tobytes())
    return digest.hexdigest()


def save_weights(weights: Weights, path: Path, machine_version: str) -> None:
    """Write weights and their metadata to a safetensors file.

    Raises WeightsError when the file cannot be written.
    """
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
        "head_kinds": json.dumps(head_kinds(weights)),
        "sha256": _checksum(tensors),
    }
    if not path.parent.is_dir():
        raise WeightsError(f"cannot write {path}: folder {path.parent} does not exist")
    # One metadata entry: safetensors writes several entries in hash order, which would make two
    # builds of the same weights differ byte for byte.
    try:
        save_file(tensors, str(path), metadata={"hullvm": json.dumps(metadata, sort_keys=True)})
    except (OSError, SafetensorError) as error:
        raise WeightsError(f"cannot write weights file {path}: {error}") from None


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
    names = ["embedding", "unembedding"] + [
        f"layers.{i}.{name}" for i in range(int(metadata.get("n_layers", 0)))
        for name in _LAYER_ARRAYS]
    missing = [name for name in names if name not in tensors]
    if missing:
        raise WeightsError(f"weights file {path} lacks tensor {missing[0]}; rebuild it with "
                           f"`hullvm build -o {path}`")
    if _checksum(tensors) != metadata.get("sha256"):
        raise WeightsError(f"weights file {path} is damaged: its tensors do not match the "
                           f"checksum in its metadata; rebuild it with `hullvm build -o {path}`")
    ties = json.loads(metadata["ties"])
    names = json.loads(metadata["head_names"])
    layers = []
    for i in range(int(metadata["n_layers"])):
        arrays = {name: tensors[f"layers.{i}.{name}"] for name in _LAYER_ARRAYS}
        layers.append(LayerWeights(ties=ties[i], head_names=names[i], **arrays))
    weights = Weights(tensors["embedding"], tuple(json.loads(metadata["position_dims"])), layers,
                      tensors["unembedding"], json.loads(metadata["dim_names"]))
    stored = json.loads(metadata.get("head_kinds", "null"))
    if stored != head_kinds(weights):
        raise WeightsError(f"weights file {path} lists head kinds that do not match its tensors; "
                           f"rebuild it with `hullvm build -o {path}`")
    return weights
