"""A conformance runner for WebAssembly script (.wast) files, run through the machine."""

from hullvm.spectest.reader import ScriptError, read_script
from hullvm.spectest.runner import Outcome, ScriptReport, SpecRunner
from hullvm.spectest.script import Command, parse_script

__all__ = ["Command", "Outcome", "ScriptError", "ScriptReport", "SpecRunner", "parse_script",
           "read_script"]
