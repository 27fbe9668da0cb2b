"""An s-expression reader for WebAssembly script (.wast) files.

It reads the structure that the script commands need: nested lists, atoms and strings. Line
comments start with `;;` and run to the end of the line. Block comments are `(; ... ;)` and
nest. Strings use the text format's escapes: \\t \\n \\r \\" \\' \\\\, two hex digits for one
byte, and \\u{hex} for a Unicode code point written as UTF-8. Every node records where it
starts and ends in the source, so that a module's text can be handed to the assembler as
written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from hullvm.errors import HullvmError

_SIMPLE_ESCAPES = {"t": 0x09, "n": 0x0A, "r": 0x0D, '"': 0x22, "'": 0x27, "\\": 0x5C}
_HEX_DIGITS = "0123456789abcdefABCDEF"


class ScriptError(HullvmError):
    """A script file cannot be read. The message names the line."""


@dataclass
class Atom:
    """A bare token such as a keyword, a `$name` or a number, as written."""

    text: str
    start: int
    end: int
    line: int


@dataclass
class String:
    """A string literal, with its escapes decoded to bytes."""

    value: bytes
    start: int
    end: int
    line: int

    def text(self) -> str:
        """Decode the value as UTF-8. Raises ScriptError when it is not valid UTF-8."""
        try:
            return self.value.decode("utf-8")
        except UnicodeDecodeError:
            raise ScriptError(f"line {self.line}: string is not valid UTF-8") from None


@dataclass
class List:
    """A parenthesized list; `end` is the offset just after its closing parenthesis."""

    items: list["Node"]
    start: int
    end: int
    line: int

    def head(self) -> str | None:
        """Return the text of the first item when it is an atom, such as 'module'."""
        if self.items and isinstance(self.items[0], Atom):
            return self.items[0].text
        return None


Node = Union[Atom, String, List]


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def fail(self, message: str, line: int | None = None) -> ScriptError:
        return ScriptError(f"line {line or self.line}: {message}")

    def advance(self, count: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + count)
        self.pos += count

    def skip_space(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n":
                self.advance()
            elif text.startswith(";;", self.pos):
                newline = text.find("\n", self.pos)
                self.advance((newline if newline >= 0 else len(text)) - self.pos)
            elif text.startswith("(;", self.pos):
                self.skip_block_comment()
            else:
                return

    def skip_block_comment(self) -> None:
        start_line = self.line
        depth = 0
        while self.pos < len(self.text):
            if self.text.startswith("(;", self.pos):
                depth += 1
                self.advance(2)
            elif self.text.startswith(";)", self.pos):
                depth -= 1
                self.advance(2)
                if depth == 0:
                    return
            else:
                self.advance()
        raise self.fail("block comment '(;' is never closed with ';)'", start_line)

    def node(self) -> Node:
        char = self.text[self.pos]
        if char == "(":
            return self.list()
        if char == ")":
            raise self.fail("unexpected ')'")
        if char == '"':
            return self.string()
        return self.atom()

    def list(self) -> List:
        start, line = self.pos, self.line
        self.advance()
        items: list[Node] = []
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                raise self.fail("'(' is never closed", line)
            if self.text[self.pos] == ")":
                self.advance()
                return List(items, start, self.pos, line)
            items.append(self.node())

    def atom(self) -> Atom:
        start, line = self.pos, self.line
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in " \t\r\n()\"" or text.startswith(";;", self.pos):
                break
            self.pos += 1
        return Atom(text[start:self.pos], start, self.pos, line)

    def string(self) -> String:
        start, line = self.pos, self.line
        text = self.text
        self.pos += 1
        value = bytearray()
        while True:
            if self.pos >= len(text):
                raise self.fail("string is never closed with '\"'", line)
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return String(bytes(value), start, self.pos, line)
            if char == "\n":
                raise self.fail("string contains a line break. Write it as \\n", line)
            if char != "\\":
                value += char.encode("utf-8")
                self.pos += 1
                continue
            value += self.escape()

    def escape(self) -> bytes:
        text = self.text
        code = text[self.pos + 1:self.pos + 2]
        if code in _SIMPLE_ESCAPES:
            self.pos += 2
            return bytes([_SIMPLE_ESCAPES[code]])
        pair = text[self.pos + 1:self.pos + 3]
        if len(pair) == 2 and all(digit in _HEX_DIGITS for digit in pair):
            self.pos += 3
            return bytes([int(pair, 16)])
        if code == "u" and text[self.pos + 2:self.pos + 3] == "{":
            close = text.find("}", self.pos + 3)
            digits = text[self.pos + 3:close] if close >= 0 else ""
            if digits and all(digit in _HEX_DIGITS or digit == "_" for digit in digits):
                point = int(digits.replace("_", ""), 16)
                if point < 0xD800 or 0xE000 <= point < 0x110000:
                    self.pos = close + 1
                    return chr(point).encode("utf-8")
        raise self.fail(f"invalid escape sequence in string: {text[self.pos:self.pos + 4]!r}")


def read_script(text: str) -> list[Node]:
    """Read every top-level node of a script.

    Raises ScriptError with the line of an unclosed list, string or block comment, a stray ')'
    or an invalid escape.
    """
    reader = _Reader(text)
    nodes: list[Node] = []
    while True:
        reader.skip_space()
        if reader.pos >= len(text):
            return nodes
        nodes.append(reader.node())
