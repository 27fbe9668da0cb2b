"""Errors that hullvm reports to a user: each carries a one-line message that names what failed."""

from __future__ import annotations


class HullvmError(Exception):
    """Base class of every error the command line reports without a traceback."""


class CompileError(HullvmError):
    """The C compiler rejected a source file; the message contains its diagnostics."""


class WasmDecodeError(HullvmError):
    """A binary module is malformed; the message names the byte offset."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        where = f" at byte offset {offset:#x}" if offset is not None else ""
        super().__init__(f"malformed WebAssembly module{where}: {message}")
        self.offset = offset


class LaterFeatureError(WasmDecodeError):
    """A binary module uses an instruction of a proposal after WebAssembly 1.0."""

    def __init__(self, message: str, offset: int) -> None:
        HullvmError.__init__(self, f"unsupported instruction at byte offset {offset:#x}: {message}")
        self.offset = offset


class WasmValidationError(HullvmError):
    """A module decodes but is not valid WebAssembly; the message names the function."""


class UnsupportedError(HullvmError):
    """A module uses a feature the machine does not implement."""


class WeightsError(HullvmError):
    """A weights file does not match this version of hullvm."""
