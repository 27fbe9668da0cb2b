"""Turn a program file into a binary WebAssembly module: compile C, assemble text or read."""

from __future__ import annotations

from pathlib import Path

import wasmtime

from hullvm.errors import CompileError
from hullvm.toolchain.clang import MEMORY_PAGES, STACK_SIZE, compile_c

PROGRAM_SUFFIXES = (".c", ".wat", ".wasm")


def load_program(path: Path) -> bytes:
    """Return the binary module of a .c, .wat or .wasm file.

    C is compiled with `compile_c`, text format is assembled by wasmtime, and a .wasm file is
    read as it is, without validation.
    Raises CompileError when the file is missing, its suffix is not one of PROGRAM_SUFFIXES,
    or compiling or assembling fails.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PROGRAM_SUFFIXES:
        raise CompileError(
            f"cannot load {path}: unknown file type {path.suffix or '(no suffix)'!r}. Expected a "
            f"C source (.c), WebAssembly text (.wat) or binary (.wasm) file.")
    if path.is_dir():
        raise CompileError(f"{path} is a folder, not a program file")
    if not path.is_file():
        raise CompileError(f"program file not found: {path}")
    if suffix == ".c":
        return compile_c(path)
    if suffix == ".wat":
        try:
            return wasmtime.wat2wasm(path.read_text())
        except wasmtime.WasmtimeError as error:
            message = str(error).replace("<anon>", str(path))
            raise CompileError(f"assembling {path} failed:\n{message}") from error
    return path.read_bytes()


__all__ = ["MEMORY_PAGES", "PROGRAM_SUFFIXES", "STACK_SIZE", "compile_c", "load_program"]
