"""Reference runs of WebAssembly modules under wasmtime, which machine runs are compared with."""

from hullvm.reference.runner import ReferenceResult, run_reference

__all__ = ["ReferenceResult", "run_reference"]
