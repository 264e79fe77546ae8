"""The block-level merge of a cold build's segments (blogtui/search/merging.py), at scale.

    python benchmarks/bench_merge.py [--posts 10000 100000] [--rounds 5] [--work DIR]
        [--home HOME]

Needs a home with an unmerged index: by default the warm ones bench_scale.py leaves
($BLOGTUI_BENCH_DIR/scale-home-N-seed-1, built before merging was wired in), or --home (a
build with merging off, whose blocks are in the form a merge shifts fastest: in an index
built before pooling.compressed every compressed block is compressed again). The home is
never touched: it is copied twice under --work (`cp -a`), one copy is merged in a child
process, and then, alternating A B A B:
  merge       wall and peak RSS (the largest process, and the sampled process tree: the
              merge's second process included), beside `cp -a` of the Whoosh folder
              (reading and writing every byte once: the floor of any merge)
  search      warm `blogtui search -a ROOT RAREWORD --json` on the unmerged copy and on the
              merged one, beside `rg -l RAREWORD ROOT` in the same rounds
  segments and the Whoosh folder's size on disk, before and after
Figures are medians of --rounds (the merge itself runs once: it is a one-off of minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _util import BENCH_DIR, Row, rare_word, run, table, warm
from bench_scale import Home, blogtui_command, load_now

MERGE = (
    "import sys; from blogtui.search import merging, store;"
    "ix = store.whoosh_storage(sys.argv[1]).open_index(); print(merging.merge(ix))"
)
#: One post's refresh as Whoosh sees it: a writer deleting it and adding it back, the commit
#: (with blogtui's merge policy), then a new searcher finding it; seconds, printed.
EDIT = """
import sys, time
from blogtui.search import segments, store
ix = store.whoosh_storage(sys.argv[1]).open_index()
started = time.perf_counter()
writer = segments.open_writer(ix, lock=False)
writer.delete_by_term("path", sys.argv[2])
writer.add_document(path=sys.argv[2], body=sys.argv[3])
writer.commit(mergetype=segments.merge_small)
with ix.searcher() as searcher:
    assert searcher.document_number(path=sys.argv[2]) is not None
print(time.perf_counter() - started)
"""
SEGMENTS = (
    "import sys; from blogtui.search import store;"
    "print(len(store.whoosh_storage(sys.argv[1]).open_index()._segments()))"
)


def whoosh_folder(home: Path) -> Path:
    (folder,) = (home / "cache" / "blogtui" / "indexes").glob("*/whoosh")
    return folder


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_blocks * 512 for f in folder.iterdir()) / 1e6


def segments(folder: Path) -> int:
    out = subprocess.run([sys.executable, "-c", SEGMENTS, str(folder)], capture_output=True)
    return int(out.stdout)


def measure(posts: int, rounds: int, work: Path, source: Path) -> list[Row]:
    if not source.is_dir():
        raise SystemExit(f"no warm home at {source}: run bench_scale.py --only cold-index first")
    before, after = work / f"before-{posts}", work / f"after-{posts}"
    for copy in (before, after):
        shutil.rmtree(copy, ignore_errors=True)
        subprocess.run(["cp", "-a", str(source), str(copy)], check=True)
    plain, merged = whoosh_folder(before), whoosh_folder(after)
    segs_before, size_before = segments(plain), size_mb(plain)
    load = load_now()
    floor = run(["cp", "-a", str(plain), str(work / "floor")])
    shutil.rmtree(work / "floor")
    done = run([sys.executable, "-c", MERGE, str(merged)], sample=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode())
    rows = [
        Row(f"merge {segs_before} segments (wall)", done.seconds, floor.seconds,
            note=f"baseline: cp -a of the Whoosh folder; {done.stdout.decode().strip()} "
            f"merged; load {load:.1f}"),
        Row("  peak RSS", done.tree_largest_mb, None, unit="MB",
            note=f"process tree {done.tree_peak_mb:.0f} MB"),
        Row("segments", segments(merged), segs_before, unit="", note="baseline: unmerged"),
        Row("index size on disk", size_mb(merged), size_before, unit="MB",
            note="baseline: unmerged"),
    ]  # fmt: skip
    rows += search_rows(posts, rounds, before, after)
    rows += edit_rows(posts, rounds, plain, merged)
    return rows


def edit_rows(posts: int, rounds: int, plain: Path, merged: Path) -> list[Row]:
    """One post deleted and added back by a Whoosh writer, committed and searched, in each
    copy in turn (this changes the copies: it runs last)."""
    root = BENCH_DIR / f"posts-{posts}-seed-1"
    _word, path = rare_word(json.loads(root.with_suffix(".json").read_text("utf-8")))
    walls: dict[str, list[float]] = {"unmerged": [], "merged": []}
    for n in range(rounds):
        for name, folder in (("unmerged", plain), ("merged", merged)):
            argv = [sys.executable, "-c", EDIT, str(folder), path, f"edited{n}"]
            out = subprocess.run(argv, capture_output=True, check=True)
            walls[name].append(float(out.stdout))
    med = {name: statistics.median(values) for name, values in walls.items()}
    return [
        Row("one post's Whoosh refresh + search, merged", med["merged"], med["unmerged"],
            note="baseline: unmerged; in process: delete, add, commit, open a searcher"),
    ]  # fmt: skip


def search_rows(posts: int, rounds: int, before: Path, after: Path) -> list[Row]:
    """Warm `blogtui search RAREWORD --json`, unmerged and merged, beside `rg -l`."""
    root = BENCH_DIR / f"posts-{posts}-seed-1"
    word, path = rare_word(json.loads(root.with_suffix(".json").read_text("utf-8")))
    argv = [*blogtui_command(), "search", "-a", str(root), word, "--json"]
    envs = {"unmerged": Home(before).env(), "merged": Home(after).env()}
    for env in envs.values():
        run(argv, env=env)  # the first run of a copied home may refresh; not timed
    walls: dict[str, list[float]] = {"unmerged": [], "merged": [], "rg": []}
    loads = []
    for _ in range(rounds):
        for name, env in envs.items():
            result = run(argv, env=env)
            if result.returncode != 0 or path.encode() not in result.stdout:
                raise SystemExit(f"{name}: search {word} did not find {path}")
            walls[name].append(result.seconds)
        walls["rg"].append(run(["rg", "-l", word, str(root)]).seconds)
        loads.append(load_now())
    med = {name: statistics.median(values) for name, values in walls.items()}
    note = f"{rounds} rounds alternating; load {min(loads):.1f}-{max(loads):.1f}"
    return [
        Row(f"warm `search {word} --json`, unmerged", med["unmerged"], med["rg"],
            note=f"baseline: rg -l; {note}"),
        Row(f"warm `search {word} --json`, merged", med["merged"], med["rg"],
            note=f"baseline: rg -l; unmerged {med['unmerged']:.3f} s"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/merge-work/bench"))
    parser.add_argument("--home", type=Path, help="the home to copy (one --posts only); "
                        "default: bench_scale's warm home")  # fmt: skip
    args = parser.parse_args()
    if args.home is not None and len(args.posts) != 1:
        parser.error("--home goes with one --posts")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    args.work.mkdir(parents=True, exist_ok=True)
    for posts in args.posts:
        root = BENCH_DIR / f"posts-{posts}-seed-1"
        warm(root)
        print(f"{posts} posts: {root}")
        source = args.home or Home.warm(posts, 1).folder
        print(table(measure(posts, args.rounds, args.work, source)), flush=True)


if __name__ == "__main__":
    main()
