"""Compile one C file with hullvm's runtime into a WebAssembly 1.0 module.

The compiler is the clang inside the ``ziglang`` PyPI package. The environment variable
``HULLVM_CLANG`` names another clang to use instead, and a system ``clang`` with a wasm32
target is used when ``ziglang`` is not installed. The module imports only ``hullvm.putchar``,
``hullvm.getchar`` and ``hullvm.exit``, exports ``memory`` and ``_start: () -> i32``, and its
linear memory is laid out as [stack | static data | heap]: ``MEMORY_PAGES`` pages at the start,
which malloc grows up to ``MAX_MEMORY_PAGES``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hullvm.errors import CompileError

RUNTIME_DIR = Path(__file__).parent / "runtime"
RUNTIME_INCLUDE_DIR = RUNTIME_DIR / "include"
RUNTIME_SOURCES = (RUNTIME_DIR / "start.c", RUNTIME_DIR / "libc.c")

PAGE_SIZE = 65536
# The machine keeps every memory address below 2**22 (64 pages), so programs start with a
# small memory: 4 pages (256 KiB), of which the stack takes the first 64 KiB. malloc grows it
# with memory.grow up to MAX_MEMORY_PAGES, the most the lowering leaves room for next to the
# globals and scratch words; wasmtime then stops at the same size as the machine.
MEMORY_PAGES = 4
MAX_MEMORY_PAGES = 63
STACK_SIZE = 65536

OPT_LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os", "-Oz")
COMPILE_TIMEOUT_S = 300

# -mcpu=mvp limits clang to WebAssembly 1.0: no bulk memory, sign extension, multivalue or
# nontrapping float-to-int instructions, which the machine does not implement.
# -ffreestanding also stops clang from turning loops into calls to memset or memcpy.
# Turning off LLVM's store merging keeps adjacent i32 stores of constants from becoming one
# i64.store, as in argument lists of printf.
# NOTE: copying or zero-initializing a struct or local array of 8 bytes or more still compiles
# to i64.const, i64.load and i64.store, because LLVM expands those copies with its widest
# integer type.
# zig cc turns on UBSan at -O0, whose handler functions the runtime does not provide.
# zig cc also defines NDEBUG at -O1 and above, which turns assert off; -UNDEBUG keeps assert
# on as a plain C compiler does unless the program defines NDEBUG itself.
_COMMON_FLAGS = (
    "-mcpu=mvp",
    "-UNDEBUG",
    "-mllvm",
    "-combiner-store-merging=0",
    "-fno-sanitize=all",
    "-ffreestanding",
    "-nostdlib",
    "-fno-color-diagnostics",
    "-isystem",
    str(RUNTIME_INCLUDE_DIR),
)
_MEMORY_BYTES = MEMORY_PAGES * PAGE_SIZE
_LINK_FLAGS = (
    "-Wl,--no-entry",
    "-Wl,--export=_start",
    f"-Wl,-z,stack-size={STACK_SIZE}",
    f"-Wl,--initial-memory={_MEMORY_BYTES}",
    f"-Wl,--max-memory={MAX_MEMORY_PAGES * PAGE_SIZE}",
)

_HINT = (
    "hint: hullvm programs are freestanding C. They may include stdio.h, stdlib.h, string.h, "
    "ctype.h, assert.h, errno.h and inttypes.h from hullvm's runtime and the compiler's own "
    "stdint.h, stddef.h, stdbool.h, limits.h and stdarg.h, and they must define int main(void) "
    "or int main(int argc, char **argv). Fix the errors at the file:line:col positions above."
)
_UNDEFINED_SYMBOL = re.compile(r"undefined symbol:?\s*(\S+)")


def compile_c(source: Path, *, opt: str = "-O2") -> bytes:
    """Compile one C file and hullvm's runtime into a binary WebAssembly module.

    `opt` is the clang optimization flag, one of OPT_LEVELS.
    Raises CompileError with the compiler's diagnostics and a hint when compiling or linking
    fails, when the source file is missing, or when no compiler is installed or it cannot be
    run. Raises ValueError for an unknown `opt`.
    """
    if opt not in OPT_LEVELS:
        raise ValueError(f"invalid optimization flag {opt!r}; expected one of {OPT_LEVELS}")
    source = Path(source)
    if not source.is_file():
        raise CompileError(f"C source file not found: {source}")
    compiler, target_flags = _compiler_command()
    with tempfile.TemporaryDirectory(prefix="hullvm-cc-") as work_dir:
        output = Path(work_dir) / "program.wasm"
        command = [
            *compiler,
            *target_flags,
            opt,
            *_COMMON_FLAGS,
            *(str(path) for path in RUNTIME_SOURCES),
            str(source.resolve()),
            *_LINK_FLAGS,
            "-o",
            str(output),
        ]
        try:
            # cwd is the scratch directory so that nothing the compiler writes lands in the
            # caller's directory.
            completed = subprocess.run(
                command, cwd=work_dir, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        except subprocess.TimeoutExpired as error:
            raise CompileError(
                f"compiling {source} timed out after {COMPILE_TIMEOUT_S} s") from error
        except OSError as error:
            raise CompileError(
                f"could not run the C compiler {compiler[0]}: {error}. Set HULLVM_CLANG to a "
                f"clang with the wasm32 target, or unset it to use the ziglang package.") from error
        if completed.returncode != 0 or not output.is_file():
            raise CompileError(_failure_message(source, completed))
        return output.read_bytes()


def _compiler_command() -> tuple[list[str], list[str]]:
    """Return the compiler's command prefix and its target flags.

    Raises CompileError when no usable compiler is found.
    """
    override = os.environ.get("HULLVM_CLANG")
    if override:
        return [override], _clang_target_flags()
    if importlib.util.find_spec("ziglang") is not None:
        # Zig's linker already places the stack first, below static data, and rejects
        # --stack-first.
        return [sys.executable, "-m", "ziglang", "cc"], ["--target=wasm32-freestanding"]
    system_clang = shutil.which("clang")
    if system_clang and _lists_wasm32_target(system_clang):
        return [system_clang], _clang_target_flags()
    raise CompileError(
        "no C compiler for wasm32 was found. Install the ziglang package "
        "(pip install ziglang) or set HULLVM_CLANG to a clang that has the wasm32 target.")


def _clang_target_flags() -> list[str]:
    # NOTE: no test covers this path, which a system clang or HULLVM_CLANG takes.
    # wasm-ld puts static data first by default. With the stack first, a stack overflow runs
    # below address 0 and traps instead of overwriting static data.
    return ["--target=wasm32-unknown-unknown", "-Wl,--stack-first"]


def _lists_wasm32_target(clang: str) -> bool:
    try:
        completed = subprocess.run(
            [clang, "--print-targets"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "wasm32" in completed.stdout


def _failure_message(source: Path, completed: subprocess.CompletedProcess) -> str:
    diagnostics = (completed.stderr + completed.stdout).strip()
    hint = _HINT
    undefined = _UNDEFINED_SYMBOL.search(diagnostics)
    if undefined:
        name = undefined.group(1).strip("'\"`")
        # clang renames int main(void) to __original_main when it compiles for wasm32.
        if name in ("main", "__original_main"):
            hint = (
                "hint: define the program's entry point as int main(void) or "
                "int main(int argc, char **argv). hullvm passes no command-line arguments: "
                "argc is 1 and argv[0] is \"program\".")
        else:
            hint = (
                f"hint: hullvm's runtime does not provide {name}. Define it in the program or "
                f"use a function from stdio.h, stdlib.h, string.h or ctype.h. There is no "
                f"math library, no float formatting and no file access.")
    elif "memory too small" in diagnostics or "initial memory" in diagnostics:
        hint = (
            f"hint: the program's static data and stack must fit in {MEMORY_PAGES} pages "
            f"({_MEMORY_BYTES // 1024} KiB), so make its global arrays smaller.")
    return (
        f"compiling {source} failed (exit status {completed.returncode}):\n"
        f"{diagnostics}\n{hint}")
