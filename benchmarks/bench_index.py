"""Index build benchmarks: cold 10,000 posts, refresh after one edit, warm no-op, peak memory.

    python benchmarks/bench_index.py [--posts 10000] [--seed 7] [--baseline]

Each figure is printed beside its target and its baseline from the same run. The corpus is
generated under /tmp (gen_corpus.py) and reused; indexes go to a scratch XDG_CACHE_HOME.
`--baseline` also times a single-process build (what whoosh gives without our two workers).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate  # noqa: E402

LAST_CPU = 0.0


def corpus(posts: int, seed: int) -> Path:
    """The generated archive for (posts, seed), written once under /tmp."""
    root = Path(tempfile.gettempdir()) / "blogtui-bench" / f"posts-{posts}-seed-{seed}"
    done = root.with_name(root.name + ".complete")  # beside it: the archive stays pristine
    if not done.exists():
        if root.exists():
            import shutil

            shutil.rmtree(root)
        generate(root, posts, seed)
        done.touch()
    return root


def cache_home(posts: int, seed: int) -> Path:
    """The scratch XDG_CACHE_HOME of the benchmarks (bench_search reuses the index)."""
    return Path(tempfile.gettempdir()) / "blogtui-bench" / f"cache-{posts}-{seed}"


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants together, in MB."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; its wall time (s) and the peak RSS of its process tree (MB).

    The CPU seconds it used (all its processes) are left in LAST_CPU: on a shared machine
    wall time depends on the neighbours, CPU time much less.
    """
    global LAST_CPU
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0

    def sample() -> None:
        nonlocal peak
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed: {err.decode(errors='replace')[-500:]}")
    return elapsed, peak


def blogtui(*args: str) -> list[str]:
    return [sys.executable, "-m", "blogtui", *args]


def api(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def index_mb(env: dict[str, str]) -> float:
    """The size of every index under the scratch cache home (one archive: its index)."""
    base = Path(env["XDG_CACHE_HOME"]) / "blogtui" / "indexes"
    return sum(p.stat().st_size for p in base.rglob("*") if p.is_file()) / 1e6


def line(name: str, value: str, target: str, baseline: str) -> None:
    print(f"{name:<34} {value:>12}   target {target:<14} baseline {baseline}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", action="store_true", help="also time a 1-process build")
    args = parser.parse_args()

    root = corpus(args.posts, args.seed)
    size = sum(p.stat().st_size for p in root.rglob("*.md")) / 1e6
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home(args.posts, args.seed)))
    print(f"corpus {root}: {args.posts} posts, {size:.1f} MB of markdown, {os.cpu_count()} CPUs")

    cold, cold_rss = run(blogtui("index", "-a", str(root), "--rebuild"), env)
    serial = "not run (--baseline)"
    if args.baseline:
        code = (
            "import blogtui.search.index as i, pathlib, sys; i.PARALLEL_MIN = 10**9;"
            f"i.PostIndex.open(pathlib.Path({str(root)!r}), rebuild=True)"
        )
        serial_s, _ = run(api(code), env)
        serial = f"1 process {serial_s:.1f} s ({LAST_CPU:.1f} s CPU)"
    cold_cpu = LAST_CPU
    line("cold index", f"{cold:.1f} s", "<= 25 s", serial)
    line("  CPU time, all processes", f"{cold_cpu:.1f} s", "", f"load {os.getloadavg()[0]:.1f}")
    line("  peak RSS, all processes", f"{cold_rss:.0f} MB", "<= 400 MB", "")
    line("  index size on disk", f"{index_mb(env):.1f} MB", "", "whoosh + catalogue")

    noop = statistics.median(run(blogtui("index", "-a", str(root)), env)[0] for _ in range(5))
    line("warm index, nothing changed", f"{noop:.2f} s", "", "")

    victim = sorted(root.rglob("*.md"))[len(list(root.rglob("*.md"))) // 2]
    original = victim.read_bytes()
    times, rss = [], 0.0
    try:
        for n in range(5):
            victim.write_bytes(original + f"\n\nEdited paragraph {n} zqxedit{n}.\n".encode())
            elapsed, peak = run(blogtui("index", "-a", str(root)), env)
            times.append(elapsed)
            rss = max(rss, peak)
    finally:
        victim.write_bytes(original)
    line(
        "refresh after one edit (median 5)",
        f"{statistics.median(times):.2f} s",
        "<= 1 s",
        f"cold rebuild {cold:.1f} s",
    )
    line("  peak RSS", f"{rss:.0f} MB", "<= 400 MB", "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
