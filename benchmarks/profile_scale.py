"""Where the time goes at scale: the profiles behind bench_scale.py's figures (issue 16).

    python benchmarks/profile_scale.py index ARCHIVE... [--top N]
    python benchmarks/profile_scale.py command [--posts N] [--top N] -- BLOGTUI-ARGS...
    python benchmarks/profile_scale.py paint [--posts N] [--cold]
    python benchmarks/profile_scale.py poll [--posts N] [--rounds 5] [--top N]
    python benchmarks/profile_scale.py keys [--posts N] [--rounds 5] [--top N]

- index: per archive, what its text makes for the index (postings, distinct terms and
  positions per MB, CJK shares) and a one-process cold build's CPU per MB split into
  parse, analysis, Whoosh's add_document and the segment write; --top adds a cProfile.
- command: one `blogtui` command run in this process under cProfile, timed by CPU (not
  wall: the machine is shared), beside its unprofiled CPU in a fresh process; the warm home
  of bench_scale.py, so the index is warm.
- paint: the reader started in tmux with marks written as it goes (imports, catalogue
  opened, every post decoded, first search with facets, rows shown, first row drawn, the
  first refresh), beside the moment the list appears on the screen.
- poll: what one no-op refresh (the reader's poll, every 2 s) costs: CPU and wall, and the
  share of a core that is at its interval; --top adds a cProfile of one.
- keys: bench_tui.py's keystroke queries through Library.find, as the reader runs them
  (facets counted, no limit), CPU per query; --top adds a cProfile of the mix.
ARCHIVE is a folder; --posts N means bench_scale.py's generated corpus of N posts.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any

from _util import BENCH_DIR, corpus, run
from bench_scale import LIST_ROW, Home, Screen, blogtui_command

HERE = Path(__file__).resolve().parent
MARKDOWN = (".md", ".markdown", ".mdx")


def markdown_mb(root: Path) -> float:
    """Megabytes of markdown under root."""
    return (
        sum(p.stat().st_size for p in root.rglob("*") if p.suffix in MARKDOWN and p.is_file()) / 1e6
    )


def cpu_profile() -> cProfile.Profile:
    """A profiler that counts CPU time, so other processes' load does not show in it."""
    return cProfile.Profile(time.process_time)


def print_top(profile: cProfile.Profile, top: int, sort: str = "cumulative") -> None:
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats(sort).print_stats(top)
    print(stream.getvalue())


# --- index ------------------------------------------------------------------------------------


def text_shape(root: Path) -> dict[str, float]:
    """What an archive's text makes for the index, per MB of markdown."""
    from blogtui.archive import load
    from blogtui.search.analysis import _CJK, position_map

    cjk = re.compile(f"[{_CJK}]")
    posts = load(root).posts
    mb = markdown_mb(root)
    postings: Counter[str] = Counter()
    positions: Counter[str] = Counter()
    vocab: dict[str, set[str]] = defaultdict(set)
    for post in posts:
        for term, where in position_map(f"{post.title}\n{post.body}").items():
            kind = "latin" if not cjk.match(term) else "cjk1" if len(term) == 1 else "cjk2"
            postings[kind] += 1
            positions[kind] += len(where)
            vocab[kind].add(term)
    terms = sum(len(v) for v in vocab.values())
    return {
        "posts": len(posts),
        "mb": mb,
        "postings/MB": sum(postings.values()) / mb,
        "terms/MB": terms / mb,
        "positions/MB": sum(positions.values()) / mb,
        "CJK postings": (postings["cjk1"] + postings["cjk2"]) / max(1, sum(postings.values())),
        "CJK terms": (len(vocab["cjk1"]) + len(vocab["cjk2"])) / max(1, terms),
        "CJK 1-char positions": positions["cjk1"] / max(1, sum(positions.values())),
    }


@contextmanager
def phase_clock(spent: dict[str, float], patches: list[tuple[Any, str, str]]) -> Iterator[None]:
    """Add each patched function's CPU time (inclusive) to spent[label] while inside."""
    saved = []
    for owner, name, label in patches:
        original = getattr(owner, name, None)
        if original is None:  # a phase this version of blogtui does not have
            continue
        saved.append((owner, name, original))
        setattr(owner, name, _clocked(original, spent, label))
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def _clocked(fn: Callable[..., Any], spent: dict[str, float], label: str) -> Callable[..., Any]:
    def clocked(*args: Any, **kwargs: Any) -> Any:
        began = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - began

    return clocked


def serial_build(root: Path, top: int) -> tuple[float, dict[str, float]]:
    """CPU of a one-process cold build of root, and its split by phase."""
    from whoosh import writing

    import blogtui.archive as archive
    import blogtui.search.index as index
    import blogtui.search.segments as segments

    try:
        import blogtui.search.pooling as pooling
    except ImportError:  # blogtui before its own posting writer: Whoosh's phases only
        pooling = None

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="scale-prof-", dir=BENCH_DIR)
    index.PARALLEL_MIN = 10**9  # one process: its CPU is the whole build's
    spent: dict[str, float] = defaultdict(float)
    patches = [
        (archive, "read_post", "parse (archive.read_post)"),
        (segments, "position_map", "analyse (segments.position_map)"),
        (pooling, "pool_positions", "analyse and pool (pooling.pool_positions)"),
        (segments, "add_post", "add a post (incl. analyse)"),
        (writing.SegmentWriter, "add_document", "whoosh add_document (incl. analyse)"),
        (pooling, "write_postings", "segment write (pooling.write_postings)"),
        (writing.SegmentWriter, "_flush_segment", "segment write (whoosh add_postings)"),
        (index.spellings, "recount", "catalogue spellings (spellings.recount)"),
    ]
    profile = cpu_profile() if top else None
    try:
        with phase_clock(spent, patches):
            began = time.process_time()
            if profile:
                profile.enable()
            index.PostIndex.open(root, rebuild=True).close()
            if profile:
                profile.disable()
            cpu = time.process_time() - began
    finally:
        shutil.rmtree(os.environ["XDG_CACHE_HOME"], ignore_errors=True)
    if profile:
        print_top(profile, top, "tottime")
    return cpu, spent


def cmd_index(args: argparse.Namespace) -> None:
    for folder in args.archives:
        root = Path(folder)
        shape = text_shape(root)
        cpu, spent = serial_build(root, args.top)
        mb = shape["mb"]
        per_post = cpu / shape["posts"] * 1000
        print(f"{root}: {shape['posts']:.0f} posts, {mb:.2f} MB; one-process cold build "
              f"{cpu:.2f} s CPU = {cpu / mb:.3f} s/MB, {per_post:.1f} ms/post")  # fmt: skip
        print("  " + ", ".join(f"{k} {v:,.0f}" if v > 1 else f"{k} {v:.0%}"
                               for k, v in shape.items() if k not in ("posts", "mb")))  # fmt: skip
        for label, seconds in spent.items():
            print(f"  {label:40} {seconds:6.2f} s  {seconds / mb:.3f} s/MB  {seconds / cpu:4.0%}")
        print(f"  (load {os.getloadavg()[0]:.1f})")


# --- command ----------------------------------------------------------------------------------


def cmd_command(args: argparse.Namespace) -> None:
    root = corpus(args.posts)
    home = Home.warm(args.posts, 1)
    env = home.env()
    argv = [a.replace("{archive}", str(root)) for a in args.argv]
    plain = run([*blogtui_command(), *argv], env=env, sample=True)
    load = os.getloadavg()[0]
    print(f"blogtui {' '.join(argv)}: {plain.seconds:.2f} s wall, {plain.cpu_seconds:.2f} s CPU, "
          f"{plain.tree_largest_mb:.0f} MB (unprofiled, sampled; load {load:.1f})")  # fmt: skip
    os.environ.update(env)
    from blogtui.cli import main

    profile = cpu_profile()
    with redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):  # (has .buffer)
        began = time.process_time()
        profile.enable()
        main(argv)
        profile.disable()
    print(f"in this process under cProfile: {time.process_time() - began:.2f} s CPU")
    print_top(profile, args.top)


# --- paint ------------------------------------------------------------------------------------


def cmd_paint(args: argparse.Namespace) -> None:
    root = corpus(args.posts)
    home = Home.fresh() if args.cold else Home.warm(args.posts, 1)
    try:
        _paint(args, root, home.env())
    finally:
        if args.cold:
            home.remove()


def _paint(args: argparse.Namespace, root: Path, env: dict[str, str]) -> None:
    with tempfile.NamedTemporaryFile("r", suffix=".marks", dir=BENCH_DIR) as marks:
        env["BLOGTUI_BENCH_LAUNCH"] = repr(time.time())
        command = [sys.executable, str(HERE / "_paint_child.py"), marks.name, str(root)]
        with Screen(command, env) as screen:
            painted = screen.wait(LIST_ROW.search, 300)
            ended = "end    refresh" if not args.cold else "end    front-matter"
            screen.wait(lambda _text: ended in Path(marks.name).read_text(), 900, 0.1)
        kind = "no index yet" if args.cold else "warm index"
        print(f"{args.posts} posts, {kind}: list on the screen (tmux) at {painted:.3f} s; "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"{'wall s':>8} {'CPU s':>7}  mark")
        for line in Path(marks.name).read_text().splitlines():
            wall, cpu, what = line.split("\t")
            print(f"{float(wall):8.3f} {float(cpu):7.3f}  {what}")


# --- poll -------------------------------------------------------------------------------------


def cmd_poll(args: argparse.Namespace) -> None:
    root = corpus(args.posts)
    os.environ.update(Home.warm(args.posts, 1).env())
    from blogtui.search.index import PostIndex
    from blogtui.tui.screens.main import POLL_INTERVAL

    index = PostIndex.open(root, refresh=False)
    index.posts()
    cpus, walls = [], []
    for _ in range(args.rounds):
        began, clock = time.process_time(), time.perf_counter()
        report = index.refresh()
        cpus.append(time.process_time() - began)
        walls.append(time.perf_counter() - clock)
        assert not (report.added or report.changed or report.deleted), report
    cpu = statistics.median(cpus)
    print(f"{args.posts} posts: one no-op refresh {cpu:.3f} s CPU, {statistics.median(walls):.3f} s"
          f" wall (median of {args.rounds}); every {POLL_INTERVAL:g} s that is "
          f"{cpu / POLL_INTERVAL:.0%} of a core; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    if args.top:
        profile = cpu_profile()
        profile.enable()
        index.refresh()
        profile.disable()
        print_top(profile, args.top)


# --- keys -------------------------------------------------------------------------------------


def cmd_keys(args: argparse.Namespace) -> None:
    from bench_tui import _queries

    root = corpus(args.posts)
    os.environ.update(Home.warm(args.posts, 1).env())
    from blogtui.tui.library import Filters, Library

    library = Library.open(root)
    library.finder().warm()  # the shelf and the docnum table: read after the first paint
    queries = _queries(root)
    library.find(Filters(text=queries[0]))
    times: dict[str, list[float]] = {q: [] for q in queries}
    afresh: dict[str, list[float]] = {q: [] for q in queries}
    for _ in range(args.rounds):
        for query in queries:
            library.finder().forget_postings()
            began = time.process_time()
            library.find(Filters(text=query))
            afresh[query].append(time.process_time() - began)
            began = time.process_time()
            library.find(Filters(text=query))  # its postings read by the keystroke before
            times[query].append(time.process_time() - began)
    print(f"{args.posts} posts: Library.find as the reader calls it per keystroke (facets "
          f"counted), CPU ms (median of {args.rounds}): postings read afresh / kept from "
          f"the query before; load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for query, values in times.items():
        hits = library.find(Filters(text=query))[0].total
        fresh = statistics.median(afresh[query]) * 1000
        print(f"  {query!r:28} {fresh:8.1f} / {statistics.median(values) * 1000:6.1f} ms"
              f"  {hits:7} hits")  # fmt: skip
    if args.top:
        profile = cpu_profile()
        profile.enable()
        for query in queries:
            library.find(Filters(text=query))
        profile.disable()
        print_top(profile, args.top)


def main() -> None:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    index = sub.add_parser("index")
    index.add_argument("archives", nargs="+")
    index.add_argument("--top", type=int, default=0)
    command = sub.add_parser("command")
    command.add_argument("--posts", type=int, default=10_000)
    command.add_argument("--top", type=int, default=40)
    command.add_argument("argv", nargs="+", help="blogtui's arguments; {archive} is the corpus")
    for name in ("paint", "poll", "keys"):
        part = sub.add_parser(name)
        part.add_argument("--posts", type=int, default=10_000)
        part.add_argument("--rounds", type=int, default=5)
        part.add_argument("--top", type=int, default=0)
        part.add_argument("--cold", action="store_true", help="paint: with no index yet")
    args = parser.parse_args()
    handlers = {"index": cmd_index, "command": cmd_command, "paint": cmd_paint,
                "poll": cmd_poll, "keys": cmd_keys}  # fmt: skip
    handlers[args.what](args)


if __name__ == "__main__":
    main()
