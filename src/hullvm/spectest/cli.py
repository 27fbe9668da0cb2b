"""The `hullvm spectest` subcommand: run .wast scripts and print failures, skips and counts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from hullvm.spectest.runner import DEFAULT_MAX_TOKENS, Outcome, ScriptReport

EXIT_FAILED = 1
MAX_LISTED_LINES = 12


def add_parser(sub, positive_int: Callable[[str], int]) -> None:
    """Add the spectest subcommand to the `hullvm` subparsers."""
    spec = sub.add_parser("spectest", help="run the assertions of WebAssembly .wast scripts "
                                           "through the model")
    spec.add_argument("scripts", nargs="+", metavar="FILE.wast", help="script files")
    spec.add_argument("--engine", choices=("native", "torch", "graph"), default=None,
                      help="native: the C++ engine (the default when built); torch: the PyTorch "
                           "model; graph: the graph evaluator, no weights")
    spec.add_argument("--cache", choices=("hull", "standard"), default="hull",
                      help="KV cache: hull (O(log t) per step) or standard (O(t))")
    spec.add_argument("--max-tokens", type=positive_int, default=DEFAULT_MAX_TOKENS,
                      help=f"generated tokens allowed per assertion. An assertion that does not "
                           f"halt within them fails (default: {DEFAULT_MAX_TOKENS})")
    spec.add_argument("--weights", help="weights file (default: built and cached on first use)")
    spec.set_defaults(func=cmd_spectest)


def cmd_spectest(args: argparse.Namespace) -> int:
    from hullvm.errors import HullvmError
    from hullvm.spectest.runner import SpecRunner

    if args.weights and not Path(args.weights).is_file():
        raise HullvmError(f"weights file not found: {args.weights}; build one with "
                          f"`hullvm build -o {args.weights}` or omit --weights")
    paths = [Path(name) for name in args.scripts]
    for path in paths:
        if not path.is_file():
            raise HullvmError(f"script file not found: {path}")
    current = {"path": paths[0]}

    def print_failure(outcome: Outcome) -> None:
        if outcome.status == "failed":
            print(f"{current['path']}:{outcome.line}: FAIL {outcome.description}: "
                  f"{outcome.reason}", flush=True)

    runner = SpecRunner(engine=args.engine, cache=args.cache, max_tokens=args.max_tokens,
                        weights_path=Path(args.weights) if args.weights else None,
                        on_outcome=print_failure)
    reports = []
    for path in paths:
        current["path"] = path
        report = runner.run_file(path)
        reports.append(report)
        print_skips(report)
        if len(paths) > 1:
            print(f"{path}: {summary(report)}")
    passed = sum(report.count("passed") for report in reports)
    failed = sum(report.count("failed") for report in reports)
    skipped = sum(report.count("skipped") for report in reports)
    print(f"passed {passed}, failed {failed}, skipped {skipped}")
    programs = sum(report.programs for report in reports)
    tokens = sum(report.generated_tokens for report in reports)
    seconds = sum(report.seconds for report in reports)
    print(f"hullvm: {programs} programs, {tokens} generated tokens, {seconds:.1f} s in the "
          f"model, engine {runner.engine}, cache {args.cache}", file=sys.stderr)
    return EXIT_FAILED if failed else 0


def print_skips(report: ScriptReport) -> None:
    """Print one line per skip reason: how many assertions, on which lines, and why."""
    for reason, lines in report.skip_groups().items():
        listed = ", ".join(str(line) for line in lines[:MAX_LISTED_LINES])
        more = f" and {len(lines) - MAX_LISTED_LINES} more" if len(lines) > MAX_LISTED_LINES else ""
        print(f"{report.path}: SKIP {len(lines)} (line {listed}{more}): {reason}")


def summary(report: ScriptReport) -> str:
    return (f"passed {report.count('passed')}, failed {report.count('failed')}, "
            f"skipped {report.count('skipped')}")
