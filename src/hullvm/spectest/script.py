"""Commands of a WebAssembly script (.wast): modules, actions and assertions.

`parse_script` turns the reader's nodes into the commands below. Module text is kept as the
source slice, so the assembler gets it as written. Constants are kept with their type and
literal; i32 and i64 literals are also parsed to integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hullvm.spectest.reader import Atom, List, Node, ScriptError, String, read_script

# Float literals that stand for any NaN of a class, in assert_return results.
NAN_PATTERNS = ("nan:canonical", "nan:arithmetic")
_INT_BITS = {"i32": 32, "i64": 64}


@dataclass
class ModuleSource:
    """A module as the script gives it.

    `kind` is 'text' (the module's own source in `text`), 'binary' (the bytes in `data`) or
    'quote' (text in `text` that was written as strings, wrapped in `(module ...)`).
    `name` is the module's `$name` or None.
    """

    kind: str
    line: int
    name: str | None = None
    text: str = ""
    data: bytes = b""


@dataclass
class Const:
    """A typed constant: `value` is the integer for i32 and i64, None for other types."""

    type: str
    literal: str
    value: int | None = None

    def __str__(self) -> str:
        return f"({self.type}.const {self.literal})" if self.literal else f"({self.type})"


@dataclass
class Action:
    """An invoke (call an export with arguments) or a get (read an exported global)."""

    kind: str  # 'invoke' or 'get'
    module: str | None
    name: str
    args: list[Const] = field(default_factory=list)
    line: int = 0

    def __str__(self) -> str:
        target = f"{self.module} " if self.module else ""
        args = "".join(f" {arg}" for arg in self.args)
        return f'({self.kind} {target}"{self.name}"{args})'


@dataclass
class Command:
    """One top-level command.

    `kind` is the command's keyword: 'module', 'register', 'invoke', 'get', 'assert_return',
    'assert_trap', 'assert_exhaustion', 'assert_invalid', 'assert_malformed',
    'assert_unlinkable', 'assert_uninstantiable', or any other keyword the script uses.
    Fields that a kind does not use stay at their defaults.
    """

    kind: str
    line: int
    module: ModuleSource | None = None
    action: Action | None = None
    expected: list[Const] = field(default_factory=list)
    message: str = ""
    register_as: str = ""
    register_module: str | None = None
    # A result that no Const can express, such as (either ...). Assertions with one are skipped.
    unsupported_result: str = ""


def parse_script(text: str) -> list[Command]:
    """Parse a script's text into commands. Raises ScriptError naming the line of a problem."""
    commands = []
    for node in read_script(text):
        if not isinstance(node, List) or node.head() is None:
            raise ScriptError(f"line {node.line}: expected a command such as (module ...) or "
                              f"(assert_return ...)")
        commands.append(_command(node, text))
    return commands


def _command(node: List, text: str) -> Command:
    kind = node.head()
    assert kind is not None
    line = node.line
    if kind == "module":
        return Command(kind, line, module=_module(node, text))
    if kind == "register":
        if len(node.items) < 2 or not isinstance(node.items[1], String):
            raise ScriptError(f"line {line}: (register ...) needs a name string")
        target = _optional_name(node.items, 2)
        return Command(kind, line, register_as=node.items[1].text(), register_module=target)
    if kind in ("invoke", "get"):
        return Command(kind, line, action=_action(node))
    if kind == "assert_return":
        command = Command(kind, line, action=_action(_item(node, 1, List)))
        for item in node.items[2:]:
            result = _list(item)
            if result.head() in ("either",) or result.head() is None:
                command.unsupported_result = f"result {result.head() or '(...)'}"
                continue
            command.expected.append(_const(result, allow_patterns=True))
        return command
    if kind in ("assert_trap", "assert_exhaustion", "assert_uninstantiable"):
        target = _item(node, 1, List)
        command = Command(kind, line, message=_message(node, 2))
        if target.head() == "module":
            command.module = _module(target, text)
        else:
            command.action = _action(target)
        return command
    if kind in ("assert_invalid", "assert_malformed", "assert_unlinkable"):
        return Command(kind, line, module=_module(_item(node, 1, List), text),
                       message=_message(node, 2))
    return Command(kind, line)


def _item(node: List, index: int, kind: type) -> Node:
    if index >= len(node.items) or not isinstance(node.items[index], kind):
        expected = {List: "a list", String: "a string", Atom: "an atom"}[kind]
        raise ScriptError(f"line {node.line}: ({node.head()} ...) needs {expected} at "
                          f"position {index}")
    return node.items[index]


def _list(node: Node) -> List:
    if not isinstance(node, List):
        raise ScriptError(f"line {node.line}: expected a parenthesized constant")
    return node


def _message(node: List, index: int) -> str:
    item = _item(node, index, String)
    assert isinstance(item, String)
    return item.text()


def _optional_name(items: list[Node], index: int) -> str | None:
    if index < len(items) and isinstance(items[index], Atom) and items[index].text.startswith("$"):
        return items[index].text
    return None


def _module(node: List, text: str) -> ModuleSource:
    if node.head() != "module":
        raise ScriptError(f"line {node.line}: expected (module ...), found ({node.head()} ...)")
    name = _optional_name(node.items, 1)
    rest = node.items[2 if name else 1:]
    mode = rest[0].text if rest and isinstance(rest[0], Atom) else ""
    if mode in ("binary", "quote"):
        strings = rest[1:]
        for item in strings:
            if not isinstance(item, String):
                raise ScriptError(f"line {item.line}: (module {mode} ...) takes only strings")
        if mode == "binary":
            data = b"".join(item.value for item in strings)  # type: ignore[union-attr]
            return ModuleSource("binary", node.line, name, data=data)
        body = " ".join(item.text() for item in strings)  # type: ignore[union-attr]
        return ModuleSource("quote", node.line, name, text=f"(module {body})")
    if mode in ("definition", "instance"):
        return ModuleSource(f"module {mode}", node.line, name)
    return ModuleSource("text", node.line, name, text=text[node.start:node.end])


def _action(node: List) -> Action:
    kind = node.head()
    if kind not in ("invoke", "get"):
        raise ScriptError(f"line {node.line}: expected (invoke ...) or (get ...), found "
                          f"({kind} ...)")
    module = _optional_name(node.items, 1)
    index = 2 if module else 1
    name = _item(node, index, String)
    assert isinstance(name, String)
    args = [_const(_list(item), allow_patterns=False) for item in node.items[index + 1:]]
    if kind == "get" and args:
        raise ScriptError(f"line {node.line}: (get ...) takes no arguments")
    return Action(kind, module, name.text(), args, node.line)


def _const(node: List, *, allow_patterns: bool) -> Const:
    head = node.head() or ""
    literal = " ".join(item.text for item in node.items[1:] if isinstance(item, Atom))
    if not head.endswith(".const"):
        # Reference and vector values, such as (ref.null func), are kept for skip reasons.
        return Const(head, literal)
    value_type = head[:-len(".const")]
    if value_type in _INT_BITS:
        return Const(value_type, literal, _parse_int(literal, _INT_BITS[value_type], node.line))
    if literal in NAN_PATTERNS and not allow_patterns:
        raise ScriptError(f"line {node.line}: {literal} is allowed only in expected results")
    return Const(value_type, literal)


def _parse_int(literal: str, bits: int, line: int) -> int:
    """Parse an integer literal of the text format, returning its unsigned value."""
    text = literal.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text[1:] if text[:1] in ("+", "-") else text
    base = 10
    if digits.lower().startswith("0x"):
        base, digits = 16, digits[2:]
    valid = "0123456789abcdefABCDEF"[:22 if base == 16 else 10]
    if not digits or any(digit not in valid for digit in digits):
        raise ScriptError(f"line {line}: invalid i{bits} literal {literal!r}")
    magnitude = int(digits, base)
    value = sign * magnitude
    if not -(1 << (bits - 1)) <= value < (1 << bits):
        raise ScriptError(f"line {line}: i{bits} literal {literal} is out of range")
    return value & ((1 << bits) - 1)
