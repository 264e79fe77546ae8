"""Link graph benchmark and figures: its cost beside a cold index, and what it finds.

    python benchmarks/bench_links.py --posts 10000      cold index, then the graph, same run
    python benchmarks/bench_links.py --corpora DIR      links resolved per real corpus

The cold index is `blogtui index` in a fresh cache (wall and CPU of the process tree); the
graph is then built from that index in a second fresh process (its own wall and CPU), and a
third run with the graph cache in place shows the incremental cost (nothing changed).
The generated posts link only to other sites, so a fourth run gives every post three links
to other posts (a relative path, a site-absolute URL and a wiki-link, added to the bodies as
read) and builds the graph from them all: the cost when every file must be parsed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRAPH = """
import sys
from pathlib import Path
from blogtui.search.index import PostIndex
from blogtui.search.links import graph_for
index = PostIndex.open(Path(sys.argv[1]))
graph = graph_for(index)
print(graph.resolved_count, graph.unresolved_count)
"""

LINKED = """
import random, sys
from pathlib import Path
from blogtui.search.index import PostIndex
from blogtui.search.links import Scanned, build, link_targets, stem
index = PostIndex.open(Path(sys.argv[1]))
posts, rng, scanned = index.posts(), random.Random(1), {}
for post in posts:
    a, b, c = rng.sample(posts, 3)
    extra = f"\\n\\nSee [one](/{a.path}), [[{stem(b.path)}]] and [three](../{stem(c.path)}/).\\n"
    body = (index.post(post.path) or post).body + extra
    scanned[post.path] = Scanned(0, 0, link_targets(body), [])
graph = build(posts, scanned)
print(graph.resolved_count, graph.unresolved_count)
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the children, and stdout of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip()


def cost(posts: int) -> None:
    root = Path(tempfile.gettempdir()) / "blogtui-bench" / f"posts-{posts}-seed-1"
    env = dict(os.environ, XDG_CACHE_HOME=tempfile.mkdtemp(prefix="bench-links-"))
    index = timed([sys.executable, "-m", "blogtui", "index", "-a", str(root)], env)
    graph = timed([sys.executable, "-c", GRAPH, str(root)], env)
    again = timed([sys.executable, "-c", GRAPH, str(root)], env)
    linked = timed([sys.executable, "-c", LINKED, str(root)], env)
    load = "-".join(f"{x:.1f}" for x in os.getloadavg()[:2])
    print(f"{posts} posts, load {load}")
    print(f"cold index        wall {index[0]:7.1f} s  CPU {index[1]:7.1f} s  (baseline)")
    print(
        f"link graph, cold  wall {graph[0]:7.1f} s  CPU {graph[1]:7.1f} s  "
        f"= {graph[0] / index[0]:.0%} wall, {graph[1] / index[1]:.0%} CPU  [{graph[2]}]"
    )
    print(f"link graph, warm  wall {again[0]:7.1f} s  CPU {again[1]:7.1f} s")
    print(
        f"every post linked wall {linked[0]:6.1f} s  CPU {linked[1]:7.1f} s  "
        f"= {linked[1] / index[1]:.0%} CPU  [{linked[2]}]"
    )


def figures(corpora: Path) -> None:
    from blogtui.search.index import PostIndex
    from blogtui.search.links import graph_for

    for folder in sorted(p for p in corpora.iterdir() if p.is_dir()):
        index = PostIndex.open(folder)
        graph = graph_for(index)
        wiki = [t for ts in graph.unresolved.values() for t in ts if t.startswith("[[")]
        titles = {post.path: post.title for post in index.posts()}
        top = sorted(graph.incoming.items(), key=lambda item: (-len(item[1]), item[0]))[:3]
        print(
            f"{folder.name}: {len(titles)} posts, {graph.resolved_count} links resolved, "
            f"{graph.unresolved_count} unresolved ({len(wiki)} of them wiki-links)"
        )
        for path, sources in top:
            print(f"    {len(sources):3} backlinks  {titles.get(path, '')!r}  {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--corpora", type=Path)
    args = parser.parse_args()
    if args.corpora:
        figures(args.corpora)
    else:
        cost(args.posts)


if __name__ == "__main__":
    main()
