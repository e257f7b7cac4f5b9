"""The govrules benchmarks, all measured in one run, as ratios against a reference measured alongside.

(a) evaluation: µs per manifest of the compiled 20 rules (`compiled.evaluate(data, as_of, ctx)` on manifests
    already loaded and normalised) against the same 20 rules written by hand (`floor.py`); target <= 3x.
(b) batch: wall time of `python -m govrules check DIR --as-of 2026-11-28 --format json > /dev/null` over 2,000
    generated manifests against PyYAML's C loader alone parsing the same files from disk in this process
    (`yaml.load(text, Loader=yaml.CSafeLoader)`); target <= 3x.
(c) cold start: `python -m govrules check ONE_MANIFEST --as-of 2026-11-28` against `python -c pass`, median of
    >= 15 runs each; target <= 6x.

Repetitions are interleaved (their order alternates) and medians are reported. Before timing anything the floor
is checked to give exactly the engine's outcomes on the whole corpus. Everything is generated into a temporary
folder that is removed at the end. Subprocesses get `PYTHONPATH=src` and a private bytecode cache in that folder
(so `PYTHONDONTWRITEBYTECODE` in the environment does not make every start compile from source, and nothing is
written into the source tree).

    $ /tmp/venv/bin/python benchmarks/run.py            # the full run (about 2-3 minutes on 2 cores)
    $ /tmp/venv/bin/python benchmarks/run.py --quick    # a small run (about 30 seconds)
    $ /tmp/venv/bin/python benchmarks/run.py --profile  # and, for every missed target, where the time goes
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
sys.path[:0] = [str(SRC), str(HERE)]

import floor  # noqa: E402
import yaml  # noqa: E402
from generate import manifest, write  # noqa: E402

from govrules.api import Engine  # noqa: E402
from govrules.engine.builtins import Context  # noqa: E402
from govrules.manifest.schema import normalise_dates  # noqa: E402

AS_OF = dt.date(2026, 11, 28)
TARGETS = {"eval": 3.0, "batch": 3.0, "cold": 6.0}
FULL = {"eval_count": 10_000, "batch_count": 2_000, "eval_reps": 7, "batch_reps": 3, "cold_runs": 15}
QUICK = {"eval_count": 1_000, "batch_count": 200, "eval_reps": 5, "batch_reps": 3, "cold_runs": 15}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure govrules against its references (DESIGN §6).")
    parser.add_argument("--quick", action="store_true", help="a small run: 1,000 / 200 manifests")
    parser.add_argument("--seed", type=int, default=7, help="corpus seed (default: 7)")
    parser.add_argument("--profile", action="store_true", help="profile every missed target (top 10 entries)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="govrules-bench-"))
    os.environ["GOVRULES_CACHE_DIR"] = str(tmp / "cache")  # in-process Engine.load writes its cache here too
    try:
        return _run(args, cfg, tmp, started)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(args: argparse.Namespace, cfg: dict[str, int], tmp: Path, started: float) -> int:
    seed = args.seed
    _say(f"generating {cfg['eval_count']:,} manifests (seed {seed}), {cfg['batch_count']:,} of them on disk")
    corpus = [manifest(seed, i) for i in range(cfg["eval_count"])]
    folder = tmp / "corpus"
    paths = write(seed, cfg["batch_count"], folder)
    env = _env(tmp)

    _say("self-check: the hand-written floor against the compiled engine")
    engine = floor.engine_for_floor(ROOT)
    problems = floor.compare(engine, corpus, AS_OF)
    thinned = floor.thinned(corpus[: cfg["batch_count"]], seed)
    problems += floor.compare(engine, thinned, AS_OF)
    if problems:
        print("\n".join(problems[:20]))
        print(f"self-check FAILED: {len(problems)} differences between the floor and the engine; no figures")
        return 1

    _say("(a) evaluation")
    evaluation = _evaluation(engine, corpus, cfg["eval_reps"])
    full_pack = Engine.load()
    verdicts, full_us = _full_pack(full_pack, corpus)

    _say("(c) cold start, warming up the bytecode cache")
    one = paths[0]
    cold_cmd = [sys.executable, "-m", "govrules", "check", str(one), "--as-of", AS_OF.isoformat()]
    pass_cmd = [sys.executable, "-c", "pass"]
    for _ in range(2):
        _spawn(cold_cmd, env, tmp, ok=(0, 1))
        _spawn(pass_cmd, env, tmp, ok=(0,))

    _say("(b) batch")
    batch_cmd = [sys.executable, "-m", "govrules", "check", str(folder), "--as-of", AS_OF.isoformat(),
                 "--format", "json"]
    batch, loaded = _batch(batch_cmd, env, tmp, paths, cfg["batch_reps"])
    mismatch = _same_data(loaded, corpus)
    if mismatch:
        print(f"corpus check FAILED: manifest #{mismatch} loaded from disk differs from the evaluation corpus")
        return 1

    _say("(c) cold start")
    no_cache = {**env, "GOVRULES_NO_CACHE": "1"}  # context only: a first run, before any policy cache exists
    cold = _interleave({"cold": lambda: _spawn(cold_cmd, env, tmp, ok=(0, 1)),
                        "pass": lambda: _spawn(pass_cmd, env, tmp, ok=(0,)),
                        "no_cache": lambda: _spawn(cold_cmd, no_cache, tmp, ok=(0, 1))}, cfg["cold_runs"])

    sizes = [p.stat().st_size for p in paths]
    lines = [p.read_text("utf-8").count("\n") for p in paths]
    results = {
        "eval": _figure(evaluation["compiled"], evaluation["floor"], TARGETS["eval"]),
        "batch": _figure(batch["check"], batch["cloader"], TARGETS["batch"]),
        "cold": _figure(cold["cold"], cold["pass"], TARGETS["cold"]),
    }
    report = {
        "benchmark": "govrules", "seed": seed, "as_of": AS_OF.isoformat(), "quick": args.quick,
        "python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(), "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "rules": list(floor.RULES), "policy_files": [os.path.relpath(p, ROOT) for p in floor.pack_files(ROOT)],
        "eval_manifests": len(corpus), "batch_manifests": len(paths),
        "manifest_bytes_mean": round(statistics.fmean(sizes)), "manifest_lines_mean": round(statistics.fmean(lines)),
        "verdicts_full_pack": verdicts,
        "eval_us_per_manifest": {"compiled": _r(results["eval"]["value"] * 1e6),
                                 "floor": _r(results["eval"]["reference"] * 1e6),
                                 "full_pack": _r(full_us), "reps": cfg["eval_reps"]},
        "full_pack_rules": len(floor.rule_ids(full_pack)),
        "batch_s": {"check": _r(results["batch"]["value"]), "cloader": _r(results["batch"]["reference"]),
                    "reps": cfg["batch_reps"]},
        "cold_ms": {"check": _r(results["cold"]["value"] * 1e3), "python_c_pass": _r(results["cold"]["reference"] * 1e3),
                    "check_no_cache": _r(statistics.median(cold["no_cache"]) * 1e3), "runs": cfg["cold_runs"]},
        "ratios": {k: _r(v["ratio"]) for k, v in results.items()},
        "paired_ratio_medians": {k: _r(v["paired_ratio"]) for k, v in results.items()},
        "targets": TARGETS,
        "met": {k: v["met"] for k, v in results.items()},
        "samples": {"eval_compiled_us": [_r(x * 1e6) for x in evaluation["compiled"]],
                    "eval_floor_us": [_r(x * 1e6) for x in evaluation["floor"]],
                    "batch_check_s": [_r(x) for x in batch["check"]], "batch_cloader_s": [_r(x) for x in batch["cloader"]],
                    "cold_check_ms": [_r(x * 1e3) for x in cold["cold"]], "cold_pass_ms": [_r(x * 1e3) for x in cold["pass"]],
                    "cold_no_cache_ms": [_r(x * 1e3) for x in cold["no_cache"]]},
    }
    report["wall_s"] = _r(time.perf_counter() - started)
    _print_table(report, results)
    print(f"measured in {report['wall_s']} s of wall time")
    print(json.dumps(report, sort_keys=True))
    if args.profile:
        _profiles(results, engine, corpus, paths, one, env, tmp)
    return 0


# ---- the measurements ----


def _evaluation(engine: Engine, corpus: list[dict[str, Any]], reps: int) -> dict[str, list[float]]:
    evaluate, ctx = engine.compiled.evaluate, Context(AS_OF)
    floor_evaluate = floor.evaluate
    as_of, n = AS_OF, len(corpus)

    def compiled() -> float:
        t = time.perf_counter()
        for data in corpus:
            evaluate(data, as_of, ctx)
        return (time.perf_counter() - t) / n

    def hand() -> float:
        t = time.perf_counter()
        for data in corpus:
            floor_evaluate(data, as_of)
        return (time.perf_counter() - t) / n

    gc.collect()
    gc.freeze()  # the corpus is long-lived: keep the collector from rescanning it inside the timed loops
    try:
        compiled(), hand()  # warm-up
        return _interleave({"compiled": compiled, "floor": hand}, reps)
    finally:
        gc.unfreeze()


def _full_pack(engine: Engine, corpus: list[dict[str, Any]]) -> tuple[dict[str, int], float]:
    """Verdict mix of the whole bundled pack over the corpus (before waivers) and its µs per manifest."""
    evaluate, ctx = engine.compiled.evaluate, Context(AS_OF)
    counts: Counter[str] = Counter()
    t = time.perf_counter()
    rows = [evaluate(data, AS_OF, ctx) for data in corpus]
    elapsed = (time.perf_counter() - t) / len(corpus) * 1e6
    for outcomes, _levels in rows:
        for outcome in outcomes:
            counts["not_applicable" if outcome is None else "pass" if all(outcome[0]) else "fail"] += 1
    return dict(sorted(counts.items())), elapsed


def _batch(cmd: list[str], env: dict[str, str], cwd: Path, paths: list[Path],
           reps: int) -> tuple[dict[str, list[float]], list[Any]]:
    loader = yaml.CSafeLoader
    loaded: list[Any] = []

    def cloader() -> float:
        docs = []
        t = time.perf_counter()
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                docs.append(yaml.load(handle.read(), Loader=loader))
        elapsed = time.perf_counter() - t
        if not loaded:
            loaded.extend(docs)
        return elapsed

    return _interleave({"check": lambda: _spawn(cmd, env, cwd, ok=(0, 1)), "cloader": cloader}, reps), loaded


def _spawn(cmd: list[str], env: dict[str, str], cwd: Path, ok: tuple[int, ...]) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t
    if proc.returncode not in ok:
        raise SystemExit(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def _interleave(jobs: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Run each job `reps` times, alternating which goes first; every job returns its own measured time."""
    out: dict[str, list[float]] = {name: [] for name in jobs}
    names = list(jobs)
    for rep in range(reps):
        for name in names if rep % 2 == 0 else reversed(names):
            out[name].append(jobs[name]())
    return out


def _same_data(loaded: list[Any], corpus: list[dict[str, Any]]) -> int | None:
    """The index of the first file whose loaded, normalised data differs from the in-memory corpus, if any."""
    paths = floor.schema_date_paths()
    for i, data in enumerate(loaded):
        normalise_dates(data, paths)
        if data != corpus[i]:
            return i
    return None


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(SRC)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    env["GOVRULES_CACHE_DIR"] = str(tmp / "cache")
    env.pop("FORCE_COLOR", None)
    return env


# ---- reporting ----


def _figure(values: list[float], references: list[float], target: float) -> dict[str, Any]:
    value, reference = statistics.median(values), statistics.median(references)
    ratio = value / reference
    paired = statistics.median(v / r for v, r in zip(values, references, strict=True))
    return {"value": value, "reference": reference, "ratio": ratio, "paired_ratio": paired, "target": target,
            "met": ratio <= target}


def _print_table(report: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    v = report["verdicts_full_pack"]
    total = sum(v.values())
    print()
    print(f"govrules benchmarks: seed {report['seed']}, as of {report['as_of']}, Python {report['python']} "
          f"({report['platform']}), {report['cpus']} CPUs (load average {report['load_average_at_end'][0]} at the end), libyaml {'yes' if report['libyaml'] else 'no'}"
          f"{', QUICK run' if report['quick'] else ''}")
    print(f"corpus: {report['eval_manifests']:,} manifests in memory, {report['batch_manifests']:,} on disk; "
          f"mean {report['manifest_bytes_mean']:,} bytes, {report['manifest_lines_mean']} lines; "
          "full pack verdicts " + ", ".join(f"{k} {100 * n / total:.0f}%" for k, n in v.items()))
    print(f"self-check: floor == compiled engine on all {report['eval_manifests']:,} manifests x 20 rules "
          "(and on a copy with keys dropped): 0 differences")
    e, b, c = results["eval"], results["batch"], results["cold"]
    n = report["batch_manifests"]
    rows = [
        ("(a) evaluation, 20 rules (µs/manifest)", f"{e['value'] * 1e6:.1f} compiled",
         f"{e['reference'] * 1e6:.1f} hand-written floor", e),
        (f"(b) batch check, {n:,} manifests (s)", f"{b['value']:.2f} govrules check --format json",
         f"{b['reference']:.2f} CSafeLoader parse only", b),
        ("(c) cold check of one manifest (ms)", f"{c['value'] * 1e3:.1f} govrules check",
         f"{c['reference'] * 1e3:.1f} python -c pass", c),
    ]
    print()
    print("| figure | govrules | reference | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    for name, mine, ref, fig in rows:
        print(f"| {name} | {mine} | {ref} | {fig['ratio']:.2f}x | <= {fig['target']:g}x | "
              f"{'met' if fig['met'] else 'MISSED'} |")
    print()
    print(f"also: the whole bundled pack ({report['full_pack_rules']} rules) evaluates in "
          f"{report['eval_us_per_manifest']['full_pack']:.1f} µs/manifest; batch per manifest "
          f"{b['value'] / n * 1e3:.2f} ms vs parse {b['reference'] / n * 1e3:.2f} ms; cold check with "
          f"GOVRULES_NO_CACHE=1 (a first run) {report['cold_ms']['check_no_cache']:.1f} ms "
          f"= {report['cold_ms']['check_no_cache'] / report['cold_ms']['python_c_pass']:.1f}x python -c pass")


_PHASES = """
import json, sys, time
t0 = time.perf_counter()
import datetime as dt
from govrules.api import Engine
t1 = time.perf_counter()
engine = Engine.load()
t2 = time.perf_counter()
report = engine.check([sys.argv[1]], dt.date.fromisoformat(sys.argv[2]))
t3 = time.perf_counter()
from govrules.reporters import text
text.render(report, color=False)
t4 = time.perf_counter()
engine.check([sys.argv[1]], dt.date.fromisoformat(sys.argv[2]))
t5 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4]))
"""


_PROFILED = """
import cProfile, sys
prof = cProfile.Profile()
prof.enable()
from govrules.cli import main  # `python -m govrules` ends with os._exit, which would lose the profile
main(sys.argv[2:])
prof.disable()
prof.dump_stats(sys.argv[1])
"""


def _profiles(results: dict[str, dict[str, Any]], engine: Engine, corpus: list[dict[str, Any]],
              paths: list[Path], one: Path, env: dict[str, str], tmp: Path) -> None:
    """Where the time goes, for every target missed or within 10% of its limit."""

    def wanted(key: str) -> str | None:
        fig = results[key]
        if not fig["met"]:
            return "MISSED"
        return "borderline" if fig["ratio"] > 0.9 * fig["target"] else None

    if label := wanted("eval"):
        print(f"\n== profile (a, {label}): compiled evaluation over the corpus (cProfile, top 10 by internal time)")
        evaluate, ctx = engine.compiled.evaluate, Context(AS_OF)
        _cprofile(lambda: [evaluate(d, AS_OF, ctx) for d in corpus], "tottime")
    if label := wanted("batch"):
        some = paths[:300]
        print(f"\n== profile (b, {label}): `govrules check` of {len(some)} of the manifests, --format json, "
              "in-process (cProfile, top 10 by cumulative time, then by internal time)")
        from govrules.cli import main as cli_main

        argv = ["check", *map(str, some), "--as-of", AS_OF.isoformat(), "--format", "json", "--output", os.devnull]
        prof = cProfile.Profile()
        prof.runcall(cli_main, argv)
        for key in ("cumulative", "tottime"):
            _print_stats(prof, key)
    if label := wanted("cold"):
        _cold_profile(label, one, env, tmp)


def _cold_profile(label: str, one: Path, env: dict[str, str], tmp: Path) -> None:
    args = [str(one), AS_OF.isoformat()]
    samples = [json.loads(subprocess.run([sys.executable, "-c", _PHASES, *args], env=env, cwd=tmp,
                                         capture_output=True, check=True).stdout) for _ in range(7)]
    phases = [statistics.median(s[i] for s in samples) * 1e3 for i in range(5)]
    print(f"\n== profile (c, {label}): phases of a cold check of one manifest in a fresh process "
          "(median of 7, ms; Python's own start-up is the `python -c pass` figure)")
    names = ("import govrules.api (and what it imports)", "Engine.load() (prepared policy set from the cache)",
             "first engine.check() of the manifest (YAML, schema, evaluation, explanations, lazy imports)",
             "render the text report (incl. importing the reporter)",
             "the same engine.check() again in the same process (steady state)")
    for name, ms in zip(names, phases, strict=True):
        print(f"{ms:9.1f}  {name}")

    print(f"\n== profile (c, {label}): `python -X importtime -m govrules check ONE`, top 10 by cumulative time")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "govrules", "check", *args[:1],
                           "--as-of", args[1]], env=env, cwd=tmp, capture_output=True, check=False)
    rows = []
    for line in proc.stderr.decode().splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0].split(":")[1]), parts[2].rstrip()))
    total = sum(cum for cum, _, name in rows if not name.startswith("  "))
    print(f"all imports together: {total / 1e3:.1f} ms (sum over top-level imports, under -X importtime)")
    print(f"{'cumulative ms':>14} {'self ms':>8}  module")
    for cum, self_us, name in sorted(rows, reverse=True)[:10]:
        print(f"{cum / 1e3:14.1f} {self_us / 1e3:8.1f}  {name}")

    print(f"\n== profile (c, {label}): the same cold run under cProfile, top 10 govrules functions by cumulative "
          "time (profiler overhead included), then top 10 of everything by internal time")
    out = tmp / "cold.prof"
    subprocess.run([sys.executable, "-c", _PROFILED, str(out), "check", *args[:1], "--as-of", args[1]],
                   env=env, cwd=tmp, stdout=subprocess.DEVNULL, check=True)
    stats = pstats.Stats(str(out))
    entries = sorted(((ct, tt, nc, f"{_short(f)}:{line}({fn})") for (f, line, fn), (_, nc, tt, ct, _) in
                      stats.stats.items() if "govrules" in f and not f.endswith(("__main__.py", "cli.py"))),  # type: ignore[attr-defined]
                     reverse=True)
    print(f"{'cumulative ms':>14} {'own ms':>8} {'calls':>6}  function")
    for ct, tt, nc, name in entries[:10]:
        print(f"{ct * 1e3:14.1f} {tt * 1e3:8.1f} {nc:6}  {name}")
    _print_stats(stats, "tottime")


def _short(filename: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _cprofile(func: Callable[[], Any], key: str) -> None:
    prof = cProfile.Profile()
    prof.runcall(func)
    _print_stats(prof, key)


def _print_stats(prof: Any, key: str) -> None:
    buf = io.StringIO()
    stats = prof if isinstance(prof, pstats.Stats) else pstats.Stats(prof)
    stats.stream = buf  # type: ignore[attr-defined]
    with contextlib.redirect_stdout(buf):
        stats.sort_stats(key).print_stats(10)
    text = buf.getvalue()
    start = text.find("   ncalls")
    print(f"-- by {key}")
    print(text[start:].rstrip() if start >= 0 else text.rstrip())


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _r(x: float) -> float:
    return round(x, 3 if x < 100 else 1)


if __name__ == "__main__":
    raise SystemExit(main())
