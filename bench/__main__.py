"""``python -m bench`` (``make bench``, ``casetrail bench``): every benchmark stage on the
real local servers, each beside its baseline in the same run; prints every figure and
writes ``results.json``, ``results.md`` and PNG plots under ``test-artifacts/bench/run``."""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Sequence
from pathlib import Path

from bench.context import Context
from bench.report import Report, describe
from bench.stages import STAGES
from infra.state import ROOT

OUT = ROOT / "test-artifacts" / "bench" / "run"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen stages, print a summary and write the report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "stages",
        nargs="*",
        metavar="STAGE",
        help=f"stages to run (all by default): {', '.join(STAGES)}",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count (1.0)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the report goes")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.stages) - set(STAGES))
    if unknown:
        parser.error(f"no such stage: {', '.join(unknown)} (stages: {', '.join(STAGES)})")
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    chosen = [name for name in STAGES if not args.stages or name in args.stages]
    context = Context(Report(), args.scale)
    started = time.perf_counter()
    for number, name in enumerate(chosen, 1):
        print(f"[{number}/{len(chosen)}] {name}", flush=True)
        stage_started = time.perf_counter()
        importlib.import_module(f"bench.stages.{name}").run(context)
        context.report.stage_seconds[name] = time.perf_counter() - stage_started
        print(f"  ({context.report.stage_seconds[name]:.0f} s)", flush=True)
    total = time.perf_counter() - started
    context.report.stage_seconds["total"] = total
    print(f"\nall figures ({total / 60:.1f} min):")
    for figure in context.report.figures:
        print("  " + describe(figure))
    for path in context.report.write(args.out):
        print(f"written: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
