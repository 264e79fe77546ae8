"""What a plain `blogtui` command costs before and around its work: CPU and wall, old vs new.

    python benchmarks/bench_startup.py [--posts 10000] [--runs 9] [--old CHECKOUT]
        [--home WARM-HOME] [--record FILE] [--instructions]

Times, on the warm home of bench_scale.py's corpus (copied, never written):
  --help                     the parser alone: imports and argparse, no archive
  search WORD --json         a warm search for a word in one post (bench_scale's word)
  list --json --limit 5      a warm listing, five posts printed
  cat PATH                   that post printed (no index opened)
beside baselines from the same run: `python -c pass`, `python -c "import whoosh.index"`
(the least any search pays for Whoosh) and `rg -l WORD`.

Each command runs as `python -m blogtui ...` with PYTHONPATH naming the checkout: this one
("new") and, with --old, another ("old": e.g. /work/main, or an export of the commit this
branch started from). CPU is user + system of the child (wait4's rusage), the figure to
quote on a shared machine; wall is beside it. Every case runs once to warm up (bytecode
compiled into a private PYTHONPYCACHEPREFIX, files in the page cache), then --runs times,
all cases alternating (A B C A B C ...); medians and min-max are printed, with the
1-minute load before and after. With --instructions each command also runs once under
valgrind's callgrind, whose instruction count does not move with the machine's load.

Each checkout gets its own copy of the warm home (--home, default bench_scale.py's), removed
at the end: an index format one of them cannot read is rebuilt in its copy during the
warm-up, and said so. At 100,000 posts each copy is about 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _util import BENCH_DIR, corpus, rare_word

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent


@dataclass
class Case:
    """One command line and its timed runs; `label` names the checkout ("" for a baseline)."""

    name: str
    argv: list[str]
    label: str = ""
    checkout: Path | None = None  # first on PYTHONPATH; None for a baseline
    home: Path | None = None
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def median(self, which: str) -> float:
        """The median of the CPU or wall seconds."""
        values: list[float] = getattr(self, which)
        return statistics.median(values)


def home_env(home: Path | None, pycache: Path, checkout: Path | None) -> dict[str, str]:
    """os.environ pointed at `home`'s XDG folders, bytecode cached privately, the checkout
    first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BLOGTUI_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.pop("PYTHONPATH", None)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    if home is not None:
        for name, sub in (("HOME", "home"), ("XDG_CACHE_HOME", "cache"),
                          ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                          ("XDG_STATE_HOME", "state")):  # fmt: skip
            env[name] = str(home / sub)
    return env


def measure(case: Case, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run the case once in `cwd`, appending its CPU and wall seconds (`python -m` puts the
    working folder first on sys.path: run from a checkout, it would shadow PYTHONPATH's)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(case.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        case.wall.append(time.perf_counter() - started)
        case.cpu.append(usage.ru_utime + usage.ru_stime)
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        return subprocess.CompletedProcess(case.argv, code, out.read(), err.read())


def instructions(case: Case, env: dict[str, str], cwd: Path) -> int | None:
    """User-space instructions the case executes (valgrind's callgrind `I refs`): the same
    on a busy machine as on a quiet one, so old and new compare exactly. None without
    valgrind."""
    if shutil.which("valgrind") is None:
        return None
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *case.argv]
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    found = re.search(rb"I\s+refs:\s+([\d,]+)", done.stderr)
    return int(found.group(1).replace(b",", b"")) if found else None


def commands(root: Path, word: str, path: str) -> dict[str, list[str]]:
    """The blogtui command lines timed, by name."""
    archive = ["-a", str(root)]
    return {
        "--help": ["--help"],
        f"search {word} --json": ["search", *archive, word, "--json"],
        "list --json --limit 5": ["list", *archive, "--json", "--limit", "5"],
        "cat PATH": ["cat", *archive, path, "--no-pager"],
    }


def copy_home(source: Path, scratch: Path, label: str) -> Path:
    """A private copy of the warm home (the original is never written)."""
    target = scratch / f"home-{label}"
    shutil.copytree(source, target, symlinks=True)
    return target


def cell(values: list[float]) -> str:
    """`median (min-max)` in milliseconds."""
    low, high = min(values) * 1000, max(values) * 1000
    return f"{statistics.median(values) * 1000:.1f} ({low:.0f}-{high:.0f})"


def report(cases: list[Case], labels: list[str], loads: tuple[float, float]) -> str:
    """Per command, the CPU and wall of each checkout; the baselines; old/new and rg ratios."""
    rows = [["case", *(f"{label} {kind}" for label in labels for kind in ("CPU", "wall"))]]
    names = list(dict.fromkeys(c.name for c in cases if c.label))
    by = {(c.label, c.name): c for c in cases}
    for name in names:
        rows.append([name, *(cell(getattr(by[label, name], kind)) for label in labels
                             for kind in ("cpu", "wall"))])  # fmt: skip
    for case in (c for c in cases if not c.label):
        rows.append([case.name, cell(case.cpu), cell(case.wall)])
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = [f"ms, median (min-max); 1-minute load {loads[0]:.2f} before, {loads[1]:.2f} after"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
              for row in rows]  # fmt: skip
    python, rg = by["", "python -c pass"], by.get(("", "rg -l WORD"))
    for name in names:
        new = by["new", name]
        parts = [f"{(new.median('cpu') - python.median('cpu')) * 1000:.0f} ms CPU over python"]
        if "old" in labels:
            old = by["old", name]
            saved = (old.median("cpu") - new.median("cpu")) * 1000
            parts.append(
                f"{saved:.0f} ms CPU less than old ({new.median('cpu') / old.median('cpu'):.2f}x)"
            )
        if rg is not None:
            parts.append(f"{new.median('wall') / rg.median('wall'):.2f}x rg's wall")
        lines.append(f"new {name}: " + ", ".join(parts))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each case (>= 7)")
    parser.add_argument("--old", type=Path, help="another checkout to time beside this one")
    parser.add_argument(
        "--home", type=Path, help="the warm home to copy (default: bench_scale.py's for --posts)"
    )
    parser.add_argument("--record", type=Path, help="append the medians as a JSON line")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each command's instructions once under valgrind (slow: ~1 min each)",
    )
    args = parser.parse_args()
    root = corpus(args.posts)
    warm_home = args.home or BENCH_DIR / f"scale-home-{args.posts}-seed-1"
    if not warm_home.is_dir():
        sys.exit(f"no warm home at {warm_home}: run benchmarks/bench_scale.py first")
    word, path = rare_word(json.loads(root.with_suffix(".json").read_text(encoding="utf-8")))
    checkouts = [("new", CHECKOUT)] + ([("old", args.old.resolve())] if args.old else [])
    scratch = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    pycache = scratch / "pycache"
    try:
        cases: list[Case] = []
        for label, checkout in checkouts:
            home = copy_home(warm_home, scratch, label)
            for name, argv in commands(root, word, path).items():
                command = [sys.executable, "-m", "blogtui", *argv]
                cases.append(Case(name, command, label, checkout, home))
        baselines = [
            Case("python -c pass", [sys.executable, "-c", "pass"]),
            Case("import whoosh.index", [sys.executable, "-c", "import whoosh.index"]),
        ]
        if shutil.which("rg"):
            baselines.append(Case("rg -l WORD", ["rg", "-l", word, str(root)]))
        cases += baselines
        envs = {id(c): home_env(c.home, pycache, c.checkout) for c in cases}
        for case in cases:  # warm-up: bytecode, page cache, an index a checkout must rebuild
            done = measure(case, envs[id(case)], scratch)
            if b"building" in done.stderr:  # an index this checkout could not read
                print(
                    f"warm-up of {case.label} {case.name}: {done.stderr.decode(errors='replace')}"
                )
            case.cpu.clear()
            case.wall.clear()
        loads = (os.getloadavg()[0], 0.0)
        for _ in range(args.runs):
            for case in cases:
                done = measure(case, envs[id(case)], scratch)
                if case.name.startswith("search") and path.encode() not in done.stdout:
                    print(f"{case.name}: the post holding {word} was not found", file=sys.stderr)
        loads = (loads[0], os.getloadavg()[0])
        counted = {
            (c.label, c.name): instructions(c, envs[id(c)], scratch)
            for c in cases
            if args.instructions and (c.label or c.name == "python -c pass")
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    labels = [label for label, _ in checkouts]
    print(f"{args.posts:,} posts, {word} in {path}; {args.runs} runs each")
    print(report(cases, labels, loads))
    for (label, name), count in counted.items():
        print(f"instructions, {label or 'baseline'} {name}: " + (f"{count:,}" if count else "-"))
    if args.record:
        medians = {f"{c.label or 'baseline'}: {c.name}": {"cpu": c.median("cpu"),
                   "wall": c.median("wall")} for c in cases}  # fmt: skip
        with args.record.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"posts": args.posts, "load": loads, **medians}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
