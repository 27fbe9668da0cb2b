"""Many runs at once: every program with every input, on a pool of worker processes.

Each job compiles nothing (the parent prepared its module) and runs one program on one input
through the model. Results come back in job order; a job that fails is reported and the others
go on.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hullvm.errors import HullvmError


@dataclass
class Job:
    label: str
    wasm: bytes
    input_bytes: bytes
    error: str | None = None  # why the program could not be loaded; the job then only reports it


@dataclass
class JobResult:
    label: str
    output: bytes = b""
    status: int = 0
    summary: str = ""
    error: str | None = None


_WEIGHTS: dict = {}


def _weights(path: str | None):
    from hullvm.pipeline import load_machine_weights

    if path not in _WEIGHTS:
        _WEIGHTS[path] = load_machine_weights(Path(path) if path else None)
    return _WEIGHTS[path]


def run_job(job: Job, engine: str, cache: str, weights_path: str | None,
            max_tokens: int | None, check: bool) -> JobResult:
    """Run one job; every hullvm error becomes part of the result, never an exception."""
    from hullvm.cli.main import EXIT_INCOMPLETE, EXIT_MISMATCH, EXIT_TRAP
    from hullvm.pipeline import load_model, prepare, run_program

    if job.error is not None:
        return JobResult(job.label, error=job.error, status=2)
    try:
        program = prepare(job.wasm)
        kwargs = {}
        if engine == "native":
            kwargs["weights"] = _weights(weights_path)
        elif engine == "torch":
            kwargs["model"] = load_model(Path(weights_path) if weights_path else None)
        result = run_program(program, job.input_bytes, engine=engine, cache=cache,
                             max_tokens=max_tokens, **kwargs)
    except HullvmError as error:
        return JobResult(job.label, error=str(error), status=2)
    trace = result.trace
    seconds = max(result.seconds - result.prefix_seconds, 1e-9)
    summary = (f"{result.stop_reason}; {result.generated_tokens} tokens, {trace.steps} steps, "
               f"{result.seconds:.2f} s, {result.generated_tokens / seconds:.0f} tokens/s")
    if result.stop_reason == "token limit":
        status = EXIT_INCOMPLETE
    elif trace.trap:
        status = EXIT_TRAP
        summary += f"; trap: {trace.trap}"
    else:
        status = (trace.exit_code or 0) & 0xFF
    if check and trace.trap == "floating point instruction executed":
        summary += "; wasmtime comparison skipped: the machine traps on float instructions"
    elif check and result.stop_reason != "token limit":
        from hullvm.reference import run_reference

        ref = run_reference(job.wasm, job.input_bytes)
        same = (ref.output, ref.exit_code, ref.trap) == (trace.output, trace.exit_code, trace.trap)
        summary += "; wasmtime agrees" if same else "; wasmtime DISAGREES"
        if not same:
            status = EXIT_MISMATCH
    return JobResult(job.label, trace.output, status, summary)


def run_batch(jobs: list[Job], *, workers: int, engine: str, cache: str,
              weights_path: str | None, max_tokens: int | None, check: bool,
              quiet: bool) -> int:
    """Run jobs on ``workers`` processes; print each job's output under a header line.

    Returns 0 when every job exited 0, else the status of the first job that did not.
    """
    # The weights are built (or found) once here, so that workers only read the cached file.
    if engine in ("native", "torch"):
        _weights(weights_path)
    context = multiprocessing.get_context("spawn")
    first_failure = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(run_job, job, engine, cache, weights_path, max_tokens, check)
                   for job in jobs]
        for future in futures:
            result = future.result()
            sys.stdout.buffer.write(f"==> {result.label} <==\n".encode() + result.output)
            if result.output and not result.output.endswith(b"\n"):
                sys.stdout.buffer.write(b"\n")
            sys.stdout.buffer.flush()
            if result.error:
                print(f"hullvm: {result.label}: error: {result.error}", file=sys.stderr)
            elif not quiet:
                print(f"hullvm: {result.label}: {result.summary}, exit {result.status}",
                      file=sys.stderr)
            if result.status and not first_failure:
                first_failure = result.status
    return first_failure
