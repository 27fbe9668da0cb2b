"""The `hullvm` command: run, compile, build, bench, trace, verify and spectest."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from hullvm.errors import HullvmError

TRACE_MAGIC = b"HULLVM-TRACE 1\n"
EXIT_TRAP = 134  # what a shell reports for wasmtime's trap exit
EXIT_INCOMPLETE = 124  # a run stopped by --max-tokens, as `timeout` reports
EXIT_ERROR = 2
EXIT_MISMATCH = 1  # --check found the model and wasmtime disagreeing


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


def _check_writable(path: Path) -> None:
    """Raise HullvmError now, before any work, when a file cannot be created at ``path``."""
    if path.is_dir():
        raise HullvmError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise HullvmError(f"cannot write {path}: folder {path.parent} does not exist")


def save_trace(path: Path, tokens: list[int], prefix_len: int, meta: dict) -> None:
    """Write tokens as a trace file: a magic line, a JSON header line, then uint16 tokens."""
    header = dict(meta, prefix_tokens=prefix_len, tokens=len(tokens))
    body = b"".join(t.to_bytes(2, "little") for t in tokens)
    try:
        path.write_bytes(TRACE_MAGIC + json.dumps(header).encode() + b"\n" + body)
    except OSError as error:
        raise HullvmError(f"cannot write {path}: {error.strerror}") from None


def load_trace(path: Path) -> tuple[dict, list[int]]:
    """Read a trace file; raises HullvmError when it is not one."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HullvmError(f"cannot read trace file {path}: {error.strerror}")

    if data.startswith(b"HULLVM-TRACE ") and not data.startswith(TRACE_MAGIC):
        version = data[len(b"HULLVM-TRACE "):].split(b"\n", 1)[0].decode(errors="replace")
        raise HullvmError(f"{path}: unsupported trace format version {version!r}; this hullvm "
                          f"reads version {TRACE_MAGIC.decode().split()[1]}")
    if not data.startswith(TRACE_MAGIC):
        raise HullvmError(f"{path} is not a hullvm trace file (no '{TRACE_MAGIC.decode().strip()}'"
                          " header); write one with `hullvm run --trace-out` or `hullvm compile`")

    rest = data[len(TRACE_MAGIC):]
    line, _, body = rest.partition(b"\n")
    try:
        header = json.loads(line)
    except json.JSONDecodeError as error:
        raise HullvmError(f"{path}: corrupt trace header: {error}")
    if not isinstance(header, dict):
        raise HullvmError(f"{path}: corrupt trace header: expected a JSON object")
    count, prefix = header.get("tokens"), header.get("prefix_tokens")
    if not isinstance(count, int) or not isinstance(prefix, int) or not 0 <= prefix <= count:
        raise HullvmError(f"{path}: corrupt trace header: 'tokens' and 'prefix_tokens' must be "
                          f"integers with 0 <= prefix_tokens <= tokens, found {count!r} and "
                          f"{prefix!r}")
    if len(body) != 2 * count:
        raise HullvmError(f"{path}: the header lists {count} tokens but the file has {len(body)} "
                          f"bytes of tokens, not {2 * count}; the file is truncated or corrupt")

    tokens = [int.from_bytes(body[i:i + 2], "little") for i in range(0, len(body), 2)]
    return header, tokens


def _starts_with(path: Path, magic: bytes) -> bool:
    """Report whether ``path`` is a file whose first bytes are ``magic``."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False  # load_program reports a missing or unreadable file


def _check_vocabulary(path: Path, tokens) -> None:
    """Raise HullvmError when a trace contains a token id outside the model's vocabulary."""
    from hullvm.wasm.tokens import VOCAB

    for position, token in enumerate(tokens):
        if not 0 <= token < VOCAB.size:
            raise HullvmError(f"{path}: token {int(token)} at position {position} is outside the "
                              f"vocabulary of {VOCAB.size} tokens; the trace file is corrupt")


def _read_inputs(args: argparse.Namespace) -> list[tuple[str, bytes]]:
    """(label, bytes) of each input a run gets: --input, each --input-file, or none."""
    files = args.input_file or []
    if args.input is not None and files:
        raise HullvmError("give either --input or --input-file, not both")
    if args.input is not None:
        return [("", args.input.encode())]
    inputs = []
    for name in files:
        try:
            inputs.append((name, Path(name).read_bytes()))
        except OSError as error:
            raise HullvmError(f"cannot read input file {name}: {error.strerror}") from None
    return inputs or [("", b"")]


def cmd_run(args: argparse.Namespace) -> int:
    from hullvm.pipeline import default_engine, load_machine_weights, load_model, prepare
    from hullvm.pipeline import run_program
    from hullvm.toolchain import load_program

    args.engine = args.engine or default_engine()
    if args.weights and not Path(args.weights).is_file():
        raise HullvmError(f"weights file not found: {args.weights}; build one with "
                          f"`hullvm build -o {args.weights}` or omit --weights")
    paths = [Path(p) for p in args.program] or [_default_program()]
    inputs = _read_inputs(args)
    if len(paths) * len(inputs) > 1 or args.jobs > 1:
        return _run_many(args, paths, inputs)
    path, input_bytes = paths[0], inputs[0][1]
    if args.trace_out:
        _check_writable(Path(args.trace_out))
    wasm = load_program(path)
    program = prepare(wasm)
    weights_path = Path(args.weights) if args.weights else None
    model = load_model(weights_path) if args.engine == "torch" else None
    weights = load_machine_weights(weights_path) if args.engine == "native" else None

    def write(out: bytes) -> None:
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()

    result = run_program(program, input_bytes, engine=args.engine, cache=args.cache, model=model,
                         weights=weights, max_tokens=args.max_tokens, on_output=write,
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
    elif args.check and trace.trap == "floating point instruction executed":
        print("hullvm: wasmtime comparison skipped: the program executed a float instruction, "
              "which wasmtime runs and the machine traps on", file=sys.stderr)
    elif args.check:
        from hullvm.reference import run_reference

        ref = run_reference(wasm, input_bytes)
        same = (ref.output, ref.exit_code, ref.trap) == (trace.output, trace.exit_code, trace.trap)
        print(f"hullvm: wasmtime {'agrees' if same else 'DISAGREES'}: output "
              f"{len(ref.output)} bytes, exit {ref.exit_code}, trap {ref.trap}", file=sys.stderr)
        if not same:
            if trace.output != ref.output:
                first = _first_difference(trace.output, ref.output)
                where = f"first difference at output byte {first}"
            else:
                where = "the output is the same, the exit status or trap differs"
            print(f"hullvm: error: the model gave output {len(trace.output)} bytes, exit "
                  f"{trace.exit_code}, trap {trace.trap}; {where}", file=sys.stderr)
            return EXIT_MISMATCH
    if result.stop_reason == "token limit":
        print(f"hullvm: error: incomplete run: stopped by --max-tokens {args.max_tokens} before "
              f"the program halted; raise the limit to finish it", file=sys.stderr)
        return EXIT_INCOMPLETE
    if trace.trap:
        print(f"hullvm: error: wasm trap: {trace.trap}", file=sys.stderr)
        return EXIT_TRAP
    return (trace.exit_code or 0) & 0xFF


def _run_many(args: argparse.Namespace, paths: list[Path], inputs: list[tuple[str, bytes]]) -> int:
    """Every program with every input, ``--jobs`` at a time; output in blocks under headers."""
    from hullvm.cli.batch import Job, run_batch
    from hullvm.toolchain import load_program

    if args.trace_out:
        raise HullvmError("--trace-out takes a single run; give one program and one input")
    jobs = []
    for path in paths:
        # A program that does not load fails its own jobs; the rest of the batch still runs.
        try:
            wasm, error = load_program(path), None
        except HullvmError as problem:
            wasm, error = b"", str(problem)
        for label, data in inputs:
            jobs.append(Job(f"{path}" + (f" < {label}" if label else ""), wasm, data, error))
    return run_batch(jobs, workers=args.jobs, engine=args.engine, cache=args.cache,
                     weights_path=args.weights, max_tokens=args.max_tokens, check=args.check,
                     quiet=args.quiet)


def cmd_bench(args: argparse.Namespace) -> int:
    from hullvm.bench import run

    return run(args)


def _first_difference(a: bytes, b: bytes) -> int:
    for index, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return index
    return min(len(a), len(b))


def cmd_compile(args: argparse.Namespace) -> int:
    from hullvm.pipeline import prepare
    from hullvm.toolchain import load_program
    from hullvm.wasm.program import build_prefix

    path = Path(args.program)
    _check_writable(Path(args.output))
    program = prepare(load_program(path))
    prefix = build_prefix(program, _read_input(args))
    save_trace(Path(args.output), prefix, len(prefix), {"program": str(path)})
    print(f"hullvm: {path.name}: {len(program.instructions)} machine instructions, "
          f"{len(prefix)} prefix tokens written to {args.output}", file=sys.stderr)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from hullvm.model.weightfile import save_weights
    from hullvm.pipeline import DEFAULT_REUSE_SLOTS, DEFAULT_SCHEDULE, build
    from hullvm.pipeline import default_weights_path, machine_version

    start = time.perf_counter()
    output = Path(args.output) if args.output else default_weights_path()
    if args.output:
        _check_writable(output)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
    method = args.schedule or DEFAULT_SCHEDULE
    reuse_slots = DEFAULT_REUSE_SLOTS if args.reuse_slots is None else args.reuse_slots
    report = build(method=method, reuse_slots=reuse_slots)
    save_weights(report.weights, output, machine_version())
    shape = report.weights.shape_summary()
    plan = report.plan
    print(f"hullvm: wrote {output}", file=sys.stderr)
    for key, value in shape.items():
        print(f"  {key:20} {value}", file=sys.stderr)
    print(f"  {'heads per layer':20} {[len(a) for a in plan.attention]}", file=sys.stderr)
    print(f"  {'schedule':20} {plan.method}" + (f" ({plan.note})" if plan.note else ""),
          file=sys.stderr)
    if reuse_slots:
        print(f"  {'slot reuse':20} {report.slots_saved} slots saved, "
              f"{report.neurons_added} cancelling neurons added", file=sys.stderr)
    else:
        print(f"  {'slot reuse':20} off", file=sys.stderr)
    print(f"  scheduling {plan.seconds * 1000:.1f} ms, graph "
          f"{report.graph_seconds * 1000:.0f} ms, weights {report.weights_seconds * 1000:.0f} "
          f"ms, total {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from hullvm.wasm.program import TraceDecoder

    header, tokens = load_trace(Path(args.trace))
    _check_vocabulary(Path(args.trace), tokens)
    decoder = TraceDecoder()
    decoder.log = []
    for token in tokens[header["prefix_tokens"]:]:
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
    if result.trap:
        return EXIT_TRAP
    if not result.complete:
        return EXIT_INCOMPLETE
    return (result.exit_code or 0) & 0xFF


def cmd_verify(args: argparse.Namespace) -> int:
    """Decode with the native engine (or read a saved trace) and check it with each checker."""
    import numpy as np

    from hullvm import verify
    from hullvm.pipeline import load_machine_weights, machine_graph, prepare
    from hullvm.toolchain import load_program
    from hullvm.wasm.program import TraceDecoder, build_prefix

    checkers = [name.strip() for name in args.against.split(",") if name.strip()]
    unknown = sorted(set(checkers) - {"torch", "graph"})
    if unknown or not checkers:
        raise HullvmError(f"invalid --against: expected a comma-separated list of torch and graph, got "
                          f"{args.against!r}")
    path = Path(args.program) if args.program else _default_program()
    weights = load_machine_weights(Path(args.weights) if args.weights else None)
    wasm = None
    if path.suffix == ".trace" or _starts_with(path, b"HULLVM-TRACE"):
        if args.input is not None or args.input_file is not None:
            raise HullvmError(f"{path} is a saved trace, which already contains its input; "
                              f"drop --input and --input-file")
        header, tokens = load_trace(path)
        prefix_len = header["prefix_tokens"]
        trace = np.asarray(tokens, dtype=np.int64)
        _check_vocabulary(path, trace)
        print(f"hullvm: {path.name}: {prefix_len} prefix tokens, {len(trace) - prefix_len} trace "
              f"tokens read", file=sys.stderr)
    else:
        wasm = load_program(path)
        input_bytes = _read_input(args)
        prefix = build_prefix(prepare(wasm), input_bytes)
        prefix_len = len(prefix)
        decoded, seconds = verify.native_trace(weights, prefix, args.max_tokens)
        trace = decoded.astype(np.int64)
        generated = len(trace) - prefix_len
        print(f"hullvm: {path.name}: native engine decoded {generated} tokens after a prefix of "
              f"{prefix_len} in {seconds:.1f} s ({generated / max(seconds, 1e-9):.0f} tokens/s)",
              file=sys.stderr)
    if len(trace) <= prefix_len:
        raise HullvmError(f"{path}: the trace has no tokens after its prefix; nothing to check")
    decoder = TraceDecoder()
    failed = False
    try:
        for token in trace[prefix_len:]:
            decoder.feed(int(token))
    except ValueError as error:
        # A corrupt trace is a finding like any other, and the checkers below report where it starts.
        failed = True
        print(f"hullvm: trace: does not decode: {error}", file=sys.stderr)
    result = decoder.result()
    status = ("trap: " + result.trap) if result.trap else (
        f"exit {result.exit_code}" if result.complete else "incomplete")
    print(f"hullvm: trace: {result.steps} WASM steps, {len(decoder.output)} output bytes, "
          f"{status}", file=sys.stderr)
    if wasm is not None and result.complete and not failed:
        from hullvm.reference import run_reference

        ref = run_reference(wasm, input_bytes)
        same = (ref.output, ref.exit_code, ref.trap) == (decoder.output, result.exit_code,
                                                          result.trap)
        print(f"hullvm: wasmtime: {'agrees' if same else 'DISAGREES'} (output {len(ref.output)} "
              f"bytes, exit {ref.exit_code}, trap {ref.trap})", file=sys.stderr)
        failed |= not same
    for name in checkers:
        if name == "torch":
            verdict = verify.verify_with_model(weights, trace, prefix_len)
        else:
            verdict = verify.verify_with_graph(machine_graph(), trace, prefix_len)
        rate = verdict.checked / max(verdict.seconds, 1e-9)
        if verdict.ok:
            print(f"hullvm: {name}: agrees at all {verdict.checked} positions "
                  f"({verdict.seconds:.1f} s, {rate:.0f} positions/s)", file=sys.stderr)
        else:
            failed = True
            print(f"hullvm: {name}: DISAGREES at position {verdict.mismatch}: the trace has token "
                  f"{verdict.expected} next, the {name} checker chose {verdict.found} "
                  f"({verdict.checked} positions checked)", file=sys.stderr)
    return EXIT_MISMATCH if failed else 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hullvm", description="Run programs inside a transformer whose weights were compiled.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_input(p: argparse.ArgumentParser) -> None:
        p.add_argument("--input", help="text given to the program as standard input")
        p.add_argument("--input-file", help="file given to the program as standard input")

    run = sub.add_parser("run", help="run a .c, .wat or .wasm program through the model")
    run.add_argument("program", nargs="*",
                     help="program files (default: examples/hungarian.c); several run as a batch")
    run.add_argument("--input", help="text given to the program as standard input")
    run.add_argument("--input-file", action="append",
                     help="file given to the program as standard input; repeat it to run each "
                          "program once per file")
    run.add_argument("--jobs", type=_positive_int, default=1,
                     help="run this many programs at once, one process each")
    run.add_argument("--cache", choices=("hull", "standard"), default="hull",
                     help="KV cache: hull (O(log t) per step) or standard (O(t))")
    run.add_argument("--engine", choices=("native", "torch", "graph"), default=None,
                     help="native: the C++ engine (the default when built); torch: the PyTorch "
                          "model; graph: the graph evaluator, no weights")
    run.add_argument("--max-tokens", type=_positive_int, default=None,
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
    bld.add_argument("--schedule", choices=("milp", "asap"), default=None,
                     help="milp: HiGHS placement that narrows the residual stream and evens out "
                          "the layers (the default); asap: every node at its earliest layer")
    bld.add_argument("--reuse-slots", action=argparse.BooleanOptionalAction, default=None,
                     help="let dimensions share residual slots once nothing reads the earlier "
                          "occupant (default: on)")
    bld.set_defaults(func=cmd_build)

    bench = sub.add_parser("bench", help="measure the engines and caches on one program")
    from hullvm.bench import add_arguments as add_bench_arguments

    add_bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)

    trc = sub.add_parser("trace", help="decode a saved trace: output, steps and status")
    trc.add_argument("trace")
    trc.add_argument("--log", action="store_true", help="print every step")
    trc.set_defaults(func=cmd_trace)

    ver = sub.add_parser("verify", help="check a whole trace against the PyTorch model and the "
                         "graph evaluator, token for token")
    ver.add_argument("program", nargs="?",
                     help="a .c, .wat or .wasm program to decode with the native engine, or a "
                          "saved .trace file (default: examples/hungarian.c)")
    add_input(ver)
    ver.add_argument("--against", default="torch,graph",
                     help="comma-separated checkers: torch (the model's matrices in float64) "
                          "and graph (the graph evaluator, no weights); default both")
    ver.add_argument("--max-tokens", type=_positive_int, default=None,
                     help="decode at most this many tokens (the check covers those)")
    ver.add_argument("--weights", help="weights file (default: built and cached on first use)")
    ver.set_defaults(func=cmd_verify)

    from hullvm.spectest.cli import add_parser as add_spectest_parser

    add_spectest_parser(sub, _positive_int)
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
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
