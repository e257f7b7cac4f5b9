"""The portfolio report's benchmark (issue 8): 10,000 manifests report in under a minute on one core.

Generates N manifests with `generate.py` (seed 7 unless told) into a temporary folder, then times

    python -m govrules report DIR --as-of 2026-11-28 --format json --output /dev/null --jobs J

for `--jobs 1` and `--jobs 0` (every core), a few repetitions each, interleaved; prints the median seconds and
manifests per second of each and whether the target is met (scaled to N when N is not 10,000). A warm-up run
fills the policy cache first, so the timed runs measure the report, not the first-ever compile. Subprocesses
get `PYTHONPATH=src`, a private bytecode cache and a private policy cache in the temporary folder, which is
removed at the end.

    $ /tmp/venv/bin/python benchmarks/portfolio.py                 # 10,000 manifests, 3 runs of each
    $ /tmp/venv/bin/python benchmarks/portfolio.py --count 1000 --reps 1
    $ /tmp/venv/bin/python benchmarks/portfolio.py --profile       # and cProfile's top entries (one process)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
sys.path.insert(0, str(HERE))

from generate import write  # noqa: E402

AS_OF = "2026-11-28"
TARGET_SECONDS = 60.0  # for 10,000 manifests on one core
TARGET_COUNT = 10_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `govrules report` over generated manifests.")
    parser.add_argument("--count", type=int, default=TARGET_COUNT, help="manifests (default: 10000)")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default: 7)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of each job count (default: 3)")
    parser.add_argument("--profile", action="store_true", help="profile one --jobs 1 run (top 15 entries)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="govrules-portfolio-bench-"))
    try:
        return _run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(args: argparse.Namespace, tmp: Path) -> int:
    corpus = tmp / "corpus"
    started = time.perf_counter()
    write(args.seed, args.count, corpus)
    print(f"generated {args.count} manifests (seed {args.seed}) in {time.perf_counter() - started:.1f} s")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env.update(PYTHONPATH=str(SRC), PYTHONPYCACHEPREFIX=str(tmp / "pycache"), GOVRULES_CACHE_DIR=str(tmp / "cache"))
    base = [sys.executable, "-m", "govrules", "report", str(corpus), "--as-of", AS_OF, "--format", "json"]

    def timed(jobs: int, output: str = os.devnull) -> float:
        t0 = time.perf_counter()
        done = subprocess.run([*base, "--output", output, "--jobs", str(jobs)], env=env, capture_output=True,
                              text=True, check=False)
        elapsed = time.perf_counter() - t0
        if done.returncode not in (0, 2):
            raise SystemExit(f"govrules report --jobs {jobs} failed ({done.returncode}):\n{done.stderr}")
        return elapsed

    # warm-up: fills the policy and bytecode caches, and checks both job counts give the same JSON
    one, every = tmp / "jobs1.json", tmp / "jobs0.json"
    timed(1, str(one))
    timed(0, str(every))
    same = one.read_bytes() == every.read_bytes()
    summary = json.loads(one.read_text(encoding="utf-8"))
    times: dict[int, list[float]] = {1: [], 0: []}
    for rep in range(args.reps):
        for jobs in ((1, 0) if rep % 2 == 0 else (0, 1)):
            times[jobs].append(timed(jobs))
    cores = os.cpu_count() or 1
    budget = TARGET_SECONDS * args.count / TARGET_COUNT
    results = {}
    for jobs, label in ((1, "--jobs 1"), (0, f"--jobs 0 ({cores} cores)")):
        median = statistics.median(times[jobs])
        results[jobs] = median
        runs = ", ".join(f"{t:.1f}" for t in times[jobs])
        print(f"{label:22} {median:7.2f} s  {args.count / median:8.0f} manifests/s   (runs: {runs} s)")
    met = results[1] <= budget
    print(f"target: {TARGET_COUNT:,} manifests under {TARGET_SECONDS:.0f} s on one core"
          + (f" (scaled: {args.count:,} under {budget:.1f} s)" if args.count != TARGET_COUNT else "")
          + f": {'met' if met else 'MISSED'} ({results[1]:.2f} s with --jobs 1)")
    print(f"speed-up with every core: {results[1] / results[0]:.2f}x; same JSON with --jobs 1 and 0: {same}")
    print(f"summary: {summary['totals']['manifests']} manifests, {summary['totals']['evaluated']} evaluated, "
          f"{summary['totals']['unusable']} unusable; load average {os.getloadavg()[0]:.1f}")
    print(json.dumps({"count": args.count, "seed": args.seed, "cores": cores, "jobs1_s": times[1],
                      "jobs0_s": times[0], "target_met": met, "same_json": same}))
    if args.profile:
        _profile(base, env, tmp)
    return 0 if met and same else 1


def _profile(base: list[str], env: dict[str, str], tmp: Path) -> None:
    """cProfile of the summary and the JSON, in a subprocess with the same environment (the CLI leaves without
    tearing the interpreter down, so `python -m cProfile -m govrules` would write no profile)."""
    out = tmp / "report.prof"
    code = (
        "import cProfile, datetime\n"
        "from govrules.api import Engine\n"
        "from govrules.portfolio import render_json\n"
        "from govrules.portfolio.summary import portfolio\n"
        "engine = Engine.load()\n"
        "profiler = cProfile.Profile()\n"
        "profiler.enable()\n"
        f"render_json.render(portfolio(engine, [{str(base[4])!r}], datetime.date(2026, 11, 28)))\n"
        "profiler.disable()\n"
        f"profiler.dump_stats({str(out)!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    import pstats

    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(25)
    pstats.Stats(str(out)).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    raise SystemExit(main())
