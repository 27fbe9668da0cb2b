"""The `hullvm` command: run, compile, build and trace."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from hullvm.errors import HullvmError

TRACE_MAGIC = b"HULLVM-TRACE 1\n"
EXIT_TRAP = 134  # what a shell reports for wasmtime's trap exit
EXIT_INCOMPLETE = 124  # a run stopped by --max-tokens, as `timeout` reports
EXIT_ERROR = 2


def _default_program() -> Path:
    return Path(__file__).resolve().parents[3] / "examples" / "hungarian.c"


def _read_input(args: argparse.Namespace) -> bytes:
    if args.input is not None and args.input_file is not None:
        raise HullvmError("give either --input or --input-file, not both")
    if args.input_file is not None:
        try:
            return Path(args.input_file).read_bytes()
        except OSError as error:
            raise HullvmError(f"cannot read input file {args.input_file}: {error.strerror}")
    if args.input is not None:
        return args.input.encode()
    return b""


def save_trace(path: Path, tokens: list[int], prefix_len: int, meta: dict) -> None:
    """Write tokens as a trace file: a magic line, a JSON header line, then uint16 tokens."""
    header = dict(meta, prefix_tokens=prefix_len, tokens=len(tokens))
    body = b"".join(t.to_bytes(2, "little") for t in tokens)
    path.write_bytes(TRACE_MAGIC + json.dumps(header).encode() + b"\n" + body)


def load_trace(path: Path) -> tuple[dict, list[int]]:
    """Read a trace file; raises HullvmError when it is not one."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HullvmError(f"cannot read trace file {path}: {error.strerror}")
    if not data.startswith(TRACE_MAGIC):
        raise HullvmError(f"{path} is not a hullvm trace file (no '{TRACE_MAGIC.decode().strip()}'"
                          " header); write one with `hullvm run --trace-out` or `hullvm compile`")
    rest = data[len(TRACE_MAGIC):]
    line, _, body = rest.partition(b"\n")
    try:
        header = json.loads(line)
    except json.JSONDecodeError as error:
        raise HullvmError(f"{path}: corrupt trace header: {error}")
    if len(body) != 2 * header.get("tokens", -1):
        raise HullvmError(f"{path}: header says {header.get('tokens')} tokens but the file holds "
                          f"{len(body) / 2:g}; the file is truncated or corrupt")
    tokens = [int.from_bytes(body[i:i + 2], "little") for i in range(0, len(body), 2)]
    return header, tokens


def cmd_run(args: argparse.Namespace) -> int:
    from hullvm.pipeline import load_model, prepare, run_program
    from hullvm.toolchain import load_program

    path = Path(args.program) if args.program else _default_program()
    if args.weights and not Path(args.weights).is_file():
        raise HullvmError(f"weights file not found: {args.weights}; build one with "
                          f"`hullvm build -o {args.weights}` or omit --weights")
    input_bytes = _read_input(args)
    wasm = load_program(path)
    program = prepare(wasm)
    model = load_model(Path(args.weights) if args.weights else None) \
        if args.engine == "torch" else None

    def write(out: bytes) -> None:
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()

    result = run_program(program, input_bytes, engine=args.engine, cache=args.cache, model=model,
                         max_tokens=args.max_tokens, on_output=write,
                         keep_tokens=args.trace_out is not None)
    trace = result.trace
    if args.trace_out:
        from hullvm.wasm.program import build_prefix

        prefix = build_prefix(program, input_bytes)
        save_trace(Path(args.trace_out), prefix + (result.tokens or []), len(prefix),
                   {"program": str(path)})
    decode_seconds = max(result.seconds - result.prefix_seconds, 1e-9)
    if not args.quiet:
        rate = result.generated_tokens / decode_seconds
        print(f"hullvm: {path.name}: {result.stop_reason}; prefix {result.prefix_tokens} tokens, "
              f"generated {result.generated_tokens} tokens, {trace.steps} WASM steps, "
              f"{result.seconds:.2f} s ({result.prefix_seconds:.2f} s prefix), "
              f"{rate:.0f} tokens/s generated, {trace.steps / decode_seconds:.0f} steps/s, "
              f"engine {args.engine}, cache {args.cache}", file=sys.stderr)
    if args.check and result.stop_reason == "token limit":
        print("hullvm: wasmtime comparison skipped: the model's run is incomplete",
              file=sys.stderr)
    elif args.check:
        from hullvm.reference import run_reference

        ref = run_reference(wasm, input_bytes)
        same = (ref.output, ref.exit_code, ref.trap) == (trace.output, trace.exit_code, trace.trap)
        print(f"hullvm: wasmtime {'agrees' if same else 'DISAGREES'}: output "
              f"{len(ref.output)} bytes, exit {ref.exit_code}, trap {ref.trap}", file=sys.stderr)
        if not same:
            return 1
    if result.stop_reason == "token limit":
        print(f"hullvm: error: incomplete run: stopped by --max-tokens {args.max_tokens} before "
              f"the program halted; raise the limit to finish it", file=sys.stderr)
        return EXIT_INCOMPLETE
    if trace.trap:
        print(f"hullvm: error: wasm trap: {trace.trap}", file=sys.stderr)
        return EXIT_TRAP
    return (trace.exit_code or 0) & 0xFF


def cmd_compile(args: argparse.Namespace) -> int:
    from hullvm.pipeline import prepare
    from hullvm.toolchain import load_program
    from hullvm.wasm.program import build_prefix

    path = Path(args.program)
    program = prepare(load_program(path))
    prefix = build_prefix(program, _read_input(args))
    save_trace(Path(args.output), prefix, len(prefix), {"program": str(path)})
    print(f"hullvm: {path.name}: {len(program.instructions)} machine instructions, "
          f"{len(prefix)} prefix tokens written to {args.output}", file=sys.stderr)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from hullvm.model.weightfile import save_weights
    from hullvm.pipeline import build, default_weights_path, machine_version

    start = time.perf_counter()
    report = build()
    output = Path(args.output) if args.output else default_weights_path()
    save_weights(report.weights, output, machine_version())
    shape = report.weights.shape_summary()
    print(f"hullvm: wrote {output}", file=sys.stderr)
    for key, value in shape.items():
        print(f"  {key:20} {value}", file=sys.stderr)
    print(f"  {'heads per layer':20} {[len(a) for a in report.plan.attention]}", file=sys.stderr)
    print(f"  scheduling {report.plan.seconds * 1000:.1f} ms, graph "
          f"{report.graph_seconds * 1000:.0f} ms, weights {report.weights_seconds * 1000:.0f} "
          f"ms, total {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from hullvm.wasm.program import TraceDecoder
    from hullvm.wasm.tokens import VOCAB

    header, tokens = load_trace(Path(args.trace))
    decoder = TraceDecoder()
    decoder.log = []
    for token in tokens[header["prefix_tokens"]:]:
        if not 0 <= token < VOCAB.size:
            raise HullvmError(f"{args.trace}: token {token} is outside the vocabulary")
        try:
            decoder.feed(token)
        except ValueError as error:
            raise HullvmError(f"{args.trace}: {error}")
    for number, step in enumerate(decoder.log):
        if args.log:
            words = " ".join(f"{k}={v}" for k, v in step.words.items())
            print(f"{number:8} {step.kind:6} dsp={step.dsp:+d} {words}")
    sys.stdout.buffer.write(decoder.output)
    result = decoder.result()
    status = "trap: " + result.trap if result.trap else (
        f"exit {result.exit_code}" if result.complete else "incomplete")
    print(f"hullvm: {header.get('program', '?')}: {header['prefix_tokens']} prefix tokens, "
          f"{len(tokens) - header['prefix_tokens']} trace tokens, {result.steps} steps, "
          f"{status}", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hullvm", description="Run programs inside a transformer whose weights were compiled.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_input(p: argparse.ArgumentParser) -> None:
        p.add_argument("--input", help="text given to the program as standard input")
        p.add_argument("--input-file", help="file given to the program as standard input")

    run = sub.add_parser("run", help="run a .c, .wat or .wasm program through the model")
    run.add_argument("program", nargs="?", help="program file (default: examples/hungarian.c)")
    add_input(run)
    run.add_argument("--cache", choices=("hull", "standard"), default="hull",
                     help="KV cache: hull (O(log t) per step) or standard (O(t))")
    run.add_argument("--engine", choices=("torch", "graph"), default="torch",
                     help="torch: the PyTorch model; graph: the graph evaluator, no weights")
    run.add_argument("--max-tokens", type=int, default=None,
                     help="stop after this many generated tokens (the run is then incomplete)")
    run.add_argument("--trace-out", help="save the prefix and trace tokens to this file")
    run.add_argument("--weights", help="weights file (default: built and cached on first use)")
    run.add_argument("--check", action="store_true",
                     help="also run the module under wasmtime and compare output and status")
    run.add_argument("--quiet", action="store_true", help="print no summary on stderr")
    run.set_defaults(func=cmd_run)

    comp = sub.add_parser("compile", help="write the prefix tokens of a program and input")
    comp.add_argument("program")
    comp.add_argument("-o", "--output", required=True, help="output token file")
    add_input(comp)
    comp.set_defaults(func=cmd_compile)

    bld = sub.add_parser("build", help="build the universal model's weights (safetensors)")
    bld.add_argument("-o", "--output", help="weights file (default: the cache location)")
    bld.set_defaults(func=cmd_build)

    trc = sub.add_parser("trace", help="decode a saved trace: output, steps and status")
    trc.add_argument("trace")
    trc.add_argument("--log", action="store_true", help="print every step")
    trc.set_defaults(func=cmd_trace)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="hullvm: %(message)s")
    try:
        return args.func(args)
    except HullvmError as error:
        print(f"hullvm: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("hullvm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
