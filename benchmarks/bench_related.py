"""Related posts at 10,000 posts: milliseconds per post, beside a baseline from the same run.

    XDG_CACHE_HOME=DIR python benchmarks/bench_related.py [--posts 10000] [--sample 50]

Opens (or builds) the index of the generated corpus, warms it with one call, then times
`related()` for a sample of posts spread over the archive. The baseline is what opening a
post costs already: reading it (`PostIndex.post`) and a one-word search of its title.
Target: under 50 ms per post (median and 90th percentile printed). Times are CPU time of
this process (`time.process_time`: the work is single-threaded), which other jobs on the
machine do not inflate; wall time is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from blogtui.search.index import PostIndex
from blogtui.search.related import related
from blogtui.search.search import search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=50)
    args = parser.parse_args()
    root = Path(tempfile.gettempdir()) / "blogtui-bench" / f"posts-{args.posts}-seed-1"
    index = PostIndex.open(root)
    posts = index.posts()
    sample = posts[:: max(1, len(posts) // args.sample)][: args.sample]
    related(index, index.post(sample[0].path) or sample[0])  # warm: searcher, term table
    ours, base, walls = [], [], []
    for listed in sample:
        start = time.process_time()
        post = index.post(listed.path) or listed
        words = post.title.split()
        search(index, words[0] if words else "the", limit=5, facets=False)
        middle, wall = time.process_time(), time.perf_counter()
        related(index, post)
        end = time.process_time()
        walls.append((time.perf_counter() - wall) * 1000)
        base.append((middle - start) * 1000)
        ours.append((end - middle) * 1000)
    load = "-".join(f"{x:.1f}" for x in os.getloadavg()[:2])
    rows = (("related() CPU", ours), ("baseline: read + search", base), ("related() wall", walls))
    for name, times in rows:
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"{name:26} median {statistics.median(times):6.1f} ms  p90 {p90:6.1f} ms")
    print(f"{len(posts)} posts, {len(sample)} sampled, load {load}; target < 50 ms per post")


if __name__ == "__main__":
    main()
