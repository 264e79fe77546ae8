"""Shared benchmark helpers: cached generated corpora, alternating timed runs, peak RSS, tables.

Benchmarks run as scripts (`python benchmarks/bench_x.py`), so `from _util import ...` works.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gen_corpus import generate

#: Where generated corpora are kept between runs (override with BLOGTUI_BENCH_DIR).
BENCH_DIR = Path(os.environ.get("BLOGTUI_BENCH_DIR", Path(tempfile.gettempdir()) / "blogtui-bench"))


def corpus(posts: int, seed: int = 1) -> Path:
    """A generated archive of `posts` posts, written once and reused (its manifest beside it).

    Generated into a temporary folder and renamed into place, so two benchmarks asking at
    once cannot see a half-written corpus.
    """
    target = BENCH_DIR / f"posts-{posts}-seed-{seed}"
    if target.is_dir():
        return target
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".gen-", dir=BENCH_DIR))
    manifest = generate(scratch / "blog", posts, seed)
    manifest_path = target.with_suffix(".json")
    manifest.root = target
    manifest_path.write_text(manifest.to_json(), encoding="utf-8")
    # If another benchmark finished first the rename fails; its corpus is byte-identical.
    with contextlib.suppress(OSError):
        (scratch / "blog").rename(target)
    shutil.rmtree(scratch, ignore_errors=True)
    return target


def rare_word(manifest: Mapping[str, Any]) -> tuple[str, str]:
    """The word the scale benchmarks search for: one the generator put in exactly one post
    (the middle such post by path); and that post's path."""
    holders: dict[str, list[str]] = {}
    for post in manifest["posts"]:
        for word in post["rare"]:
            holders.setdefault(word, []).append(post["path"])
    single = sorted((paths[0], word) for word, paths in holders.items() if len(paths) == 1)
    path, word = single[len(single) // 2]
    return word, path


def warm(root: Path) -> None:
    """Read every file under root once, so the timed runs compare code, not disk.

    Also byte-compile blogtui, as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as on
    this machine) an editable install would otherwise recompile every module on every run.
    """
    import compileall

    import blogtui

    compileall.compile_dir(str(Path(blogtui.__file__).parent), quiet=1)
    for path in root.rglob("*"):
        if path.is_file():
            path.read_bytes()


@dataclass
class Timings:
    """Seconds per run for each named case."""

    runs: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        """The median of a case's runs."""
        return statistics.median(self.runs[name])

    def spread(self, name: str) -> str:
        """min-max of a case's runs, for the table."""
        values = self.runs[name]
        return f"{min(values):.3f}-{max(values):.3f}"


def alternate(cases: Mapping[str, Callable[[], object]], rounds: int = 5) -> Timings:
    """Run each case once per round, in turn (A B A B ...), so drift hits them alike."""
    timings = Timings({name: [] for name in cases})
    for _ in range(rounds):
        for name, case in cases.items():
            started = time.perf_counter()
            case()
            timings.runs[name].append(time.perf_counter() - started)
    return timings


@dataclass(frozen=True)
class Run:
    """One measured subprocess: wall time, its own peak RSS, the whole tree's peak RSS."""

    seconds: float
    max_rss_mb: float  # from wait4: counts the memory of the process it was forked from too
    tree_peak_mb: float  # the sum over the process and its descendants, sampled
    returncode: int
    stdout: bytes
    stderr: bytes
    cpu_seconds: float = 0.0  # user + system, its own and its waited-for descendants'
    #: The largest single process of the tree, sampled (wait4's `max_rss_mb` also counts
    #: the benchmark's memory the child was forked from: see `own_peak_mb`).
    tree_largest_mb: float = 0.0
    #: With `orphans`: until the last process the command left running (blogtui's merge in
    #: the background) ended, from the start; 0 when it left none. Their CPU is counted in
    #: `cpu_seconds` and their memory in the peaks then.
    orphans_seconds: float = 0.0


def run(argv: Sequence[str], *, env: Mapping[str, str] | None = None, sample: bool = False,
        cwd: Path | None = None, orphans: bool = False) -> Run:  # fmt: skip
    """Run a command, timing it; with `sample`, poll /proc for the process tree's total RSS.
    With `orphans` (Linux), processes the command leaves running (it exits, they go on in a
    session of their own) are waited for too: this process becomes their subreaper, so they
    are its children once the command has gone (see `Run.orphans_seconds`)."""
    if orphans:
        _become_subreaper()
    _reap_orphans()
    before = set(_children(os.getpid()))  # (a tmux server an earlier part left, say)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err,
                                env=dict(env) if env is not None else None, cwd=cwd)  # fmt: skip
        sampler = _TreeSampler(proc.pid) if sample else None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        left = 0.0
        while orphans and (left_running := set(_children(os.getpid())) - before):
            if sampler is not None:  # the orphans are this process's children now
                sampler.pids = sorted(left_running)
            for pid in left_running:
                _, _, more = os.wait4(pid, 0)
                cpu += more.ru_utime + more.ru_stime
            left = time.perf_counter() - started
        peak = sampler.stop() if sampler else 0.0
        largest = sampler.largest_kb / 1024 if sampler else 0.0
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, peak, proc.returncode, out.read(), err.read(),
                   cpu, largest, left)  # fmt: skip


def _reap_orphans() -> None:
    """Wait for the children that have ended and that nothing here waits for: once this
    process is a subreaper, every orphan that ends (a tmux server a reader part left, the
    reader inside it) stays a zombie until it is waited for. Called between commands, when
    every child this module started itself has been waited for."""
    for pid in _children(os.getpid()):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # (one still running is left as it is)


def _become_subreaper() -> None:
    """PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented to this process."""
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


#: Starts a command from this small process and prints its peak RSS (kB) when it ends.
_OWN_PEAK = """\
import os, sys
out = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], dict(os.environ), file_actions=out)
_pid, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss if os.waitstatus_to_exitcode(status) == 0 else -1)
"""


def own_peak_mb(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> float:
    """The peak RSS of a command alone, its output discarded. wait4's ru_maxrss of a child
    counts the address space it was forked from (the kernel keeps the old one's high-water
    mark at exec): run from a benchmark holding a 100,000-post manifest, `python -c pass`
    read 497 MB. Started from a small Python process instead (about 9 MB, the floor of what
    this reads). Raises RuntimeError if the command fails."""
    done = subprocess.run([sys.executable, "-c", _OWN_PEAK, *argv], capture_output=True,
                          env=dict(env) if env is not None else None, check=True)  # fmt: skip
    kilobytes = int(done.stdout.split()[-1])
    if kilobytes < 0:
        raise RuntimeError(f"{argv[0]} failed: {done.stderr.decode(errors='replace')[-300:]}")
    return kilobytes / 1024


class _TreeSampler:
    """Samples the summed RSS of a process and its descendants every few milliseconds, and
    the largest single one's. A child whose command line is still its parent's is left
    out: forked and not yet exec'd (or a fork that never execs, as blogtui's stat children),
    its resident pages are its parent's, which RSS would count twice (a cold 100,000-post
    index read 526 MB the moment the parent, 263 MB, forked its merge)."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pids, self.interval, self.peak_kb, self.largest_kb = [pid], interval, 0, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._done.is_set():
            sizes = [_rss_kb(pid) for top in self.pids for pid in _tree(top, own=True)]
            self.peak_kb = max(self.peak_kb, sum(sizes))
            self.largest_kb = max(self.largest_kb, *sizes, 0)
            self._done.wait(self.interval)

    def stop(self) -> float:
        """Stop sampling; the peak in MB."""
        self._done.set()
        self._thread.join()
        return self.peak_kb / 1024


def _children(pid: int) -> list[int]:
    """pid's children, from /proc/PID/task/*/children."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except OSError:  # the process ended while we looked
            continue
    return found


def _tree(pid: int, *, own: bool = False) -> list[int]:
    """pid and all its descendants; with `own`, without those whose command line is their
    parent's (forks that have not exec'd: see _TreeSampler)."""
    found, todo = [], [(pid, None)]
    while todo:
        current, parent_line = todo.pop()
        line = _cmdline(current) if own else None
        if own and line is not None and line == parent_line:
            continue
        found.append(current)
        todo.extend((child, line) for child in _children(current))
    return found


def _cmdline(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def _rss_kb(pid: int) -> int:
    """A process's resident set in KB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


@dataclass(frozen=True)
class Row:
    """One line of a results table: a figure against its baseline and target ratio."""

    measure: str
    figure: float
    baseline: float | None = None
    target_ratio: float | None = None  # figure/baseline must stay at or under this
    unit: str = "s"
    target_abs: float | None = None  # or an absolute ceiling, in `unit`
    note: str = ""  # runs, load, anything a reader of the table should know

    def verdict(self) -> str:
        """'ok', 'MISSED' or '' when there is no target."""
        if self.target_ratio is not None and self.baseline:
            return "ok" if self.figure / self.baseline <= self.target_ratio else "MISSED"
        if self.target_abs is not None:
            return "ok" if self.figure <= self.target_abs else "MISSED"
        return ""


def table(rows: Sequence[Row]) -> str:
    """Rows as an aligned plain-text table: measure, figure, baseline, ratio, target, verdict
    (and a note column when any row has a note)."""
    noted = any(row.note for row in rows)
    header = ("measure", "figure", "baseline", "ratio", "target", "", *(("note",) if noted else ()))
    lines = [header]
    for row in rows:
        ratio = f"{row.figure / row.baseline:.2f}x" if row.baseline else "-"
        if row.target_ratio is not None:
            target = f"<= {row.target_ratio:g}x"
        elif row.target_abs is not None:
            target = f"<= {row.target_abs:g} {row.unit}"
        else:
            target = "-"
        baseline = f"{row.baseline:.3f} {row.unit}" if row.baseline is not None else "-"
        note = (row.note,) if noted else ()
        lines.append((row.measure, f"{row.figure:.3f} {row.unit}", baseline, ratio, target,
                      row.verdict(), *note))  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
