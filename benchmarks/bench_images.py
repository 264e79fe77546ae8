"""Open a post with 10 local images in the reader: its first screen, then the images filled in.

    python benchmarks/bench_images.py [--posts 10000] [--rounds 5]

The archive is a Hugo site of `--posts` generated posts (hard links to the cached corpus,
so nothing is copied) plus one page bundle: about 3 KB of text around 10 pictures (five
2000x1333 JPEG photos, five 1200x800 PNG screenshots). Its index is built once and kept in
`$BLOGTUI_BENCH_DIR/images-N` (the first run is slow). Each round is a fresh process
(Pilot, headless, 140x42): the reader opens the bundle and the child reports
- first screen: from `enter` on the post in the list until the pane shows it (images
  still placeholders);
- scrolling: `j` pressed ten times while the pictures decode, each until the pane moved;
- filled: until the pictures within two screens of the shown lines are drawn (half-blocks;
  the rest wait for a scroll), and the CPU seconds of the process (every thread) over the
  same spans.
The baseline is the same post, the same run, with `images = "off"` (alt text only), rounds
alternating. Target (issue 17): the first screen within 0.3 s. Also printed: the import cost
of the drawing code (textual-image and Pillow), paid once per process, in the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _util import BENCH_DIR, Row, corpus, table

POST = "content/posts/harbour-photos/index.md"
IMAGES = 10


def _site(posts: int) -> Path:
    """The site: generated posts linked in, the picture bundle written once."""
    site = BENCH_DIR / f"images-{posts}" / "site"
    if (site / POST).exists():
        return site
    (site / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (site / "hugo.toml").write_text('title = "Bench"\n', encoding="utf-8")
    if posts:
        source = corpus(posts)
        for file in source.rglob("*.md"):
            target = site / "content" / "generated" / file.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(file, target)
    _bundle(site / POST)
    return site


def _bundle(path: Path) -> None:
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    chance = random.Random(17)
    parts = ["---\ntitle: Harbour photos\ndate: 2024-06-01\ntags: [photos]\n---\n"]
    for number in range(IMAGES):
        photo = number % 2 == 0
        size = (2000, 1333) if photo else (1200, 800)
        image = Image.effect_noise(size, 40).convert("RGB")
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y = chance.randrange(size[0]), chance.randrange(size[1])
            colour = tuple(chance.randrange(256) for _ in range(3))
            draw.rectangle((x, y, x + size[0] // 5, y + size[1] // 6), fill=colour)
        name = f"photo-{number}.{'jpg' if photo else 'png'}"
        image.save(path.parent / name, **({"quality": 85} if photo else {}))
        words = " ".join(chance.choice(["quay", "boat", "tide", "rope", "gull"]) for _ in range(45))
        parts.append(
            f"## Picture {number}\n\n{words.capitalize()}.\n\n![Picture {number}]({name})\n"
        )
    path.write_text("\n".join(parts), encoding="utf-8")


# --- the child: one app, one open ----------------------------------------------------------
async def _child(site: Path, mode: str) -> dict[str, float]:
    from blogtui.config import Config
    from blogtui.tui.app import BlogApp
    from blogtui.tui.widgets.post_list import PostList
    from blogtui.tui.widgets.reader import Reader

    app = BlogApp(site, config=Config(images=mode))
    async with app.run_test(size=(140, 42)) as pilot:
        await _wait(pilot, lambda: app.main.indexed, "the index", 900)
        reader = app.main.query_one(Reader)
        posts = app.main.query_one(PostList)
        posts.cursor = [post.path for post in posts.posts].index(POST)  # as a user would
        # a reader settled as a user finds it once the list is up: its startup work done
        await _wait(pilot, lambda: not _busy(app), "the startup work", 120)
        await pilot.pause()
        wall, cpu = time.perf_counter(), time.process_time()
        # the key pressed without awaiting it: pilot.press returns once the screen is idle,
        # long after the first screen when pictures decode and the annex renders
        press = asyncio.ensure_future(pilot.press("enter"))
        await _wait(pilot, lambda: reader.post is not None and reader.path == POST, "the post")
        first = time.perf_counter() - wall
        first_cpu = time.process_time() - cpu
        await press
        scrolls = [await _scroll(pilot, reader) for _ in range(10)]  # while images decode
        await _wait(pilot, lambda: not reader.drawing_pictures, "the images", 120)
        drawn = sum(any("▀" in s.text for s in line) for line in reader.page.lines)
        return {
            "first": first,
            "first_cpu": first_cpu,
            "scroll": statistics.median(scrolls),
            "scroll_max": max(scrolls),
            "filled": time.perf_counter() - wall,
            "filled_cpu": time.process_time() - cpu,
            "rows": drawn,
        }


def _busy(app) -> bool:  # type: ignore[no-untyped-def]
    """A Textual worker of the app still running (the first refresh, the counts)."""
    return any(w.is_running for w in app.workers)


async def _wait(pilot, condition, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)  # not pilot.pause: it waits for the screen to go idle,
        # which with pictures decoding (or the annex rendering) is long after the first screen


async def _scroll(pilot, reader) -> float:  # type: ignore[no-untyped-def]
    """Seconds from pressing `j` until the pane has scrolled a line."""
    before, start = reader.scroll_y, time.perf_counter()
    await pilot.press("j")
    await _wait(pilot, lambda: reader.scroll_y != before, "a scroll")
    return time.perf_counter() - start


def _import_cost() -> float:
    code = (
        "import time, blogtui.tui.images as i; t = time.perf_counter(); i.prepare('blocks'); "
        "from PIL import Image; print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def _round(site: Path, mode: str, home: Path) -> dict[str, float]:
    env = {**os.environ, "XDG_CACHE_HOME": str(home / "cache"), "HOME": str(home)}
    env["XDG_CONFIG_HOME"] = env["XDG_STATE_HOME"] = str(home / "config")
    argv = [sys.executable, __file__, "--child", mode, str(site)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "SITE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, site = args.child
        print(json.dumps(asyncio.run(_child(Path(site), mode))))
        return
    site = _site(args.posts)
    home = site.parent / "home"
    _round(site, "off", home)  # builds (or refreshes) the index; not timed
    runs: dict[str, list[dict[str, float]]] = {"blocks": [], "off": []}
    for _ in range(args.rounds):
        for mode in runs:
            runs[mode].append(_round(site, mode, home))

    def med(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    load = "-".join(f"{x:.1f}" for x in os.getloadavg()[:2])
    note = f"{args.posts} posts, {args.rounds} rounds, load {load}"
    rows = [
        Row("first screen, 10 images (wall)", med("blocks", "first"), med("off", "first"),
            target_abs=0.3, note=note),
        Row("first screen (CPU)", med("blocks", "first_cpu"), med("off", "first_cpu")),
        Row("j while they decode (median)", med("blocks", "scroll"), med("off", "scroll")),
        Row("j while they decode (max)", med("blocks", "scroll_max"), med("off", "scroll_max")),
        Row("pictures near the screen drawn (wall)", med("blocks", "filled"), med("off", "filled")),
        Row("  the same (CPU)", med("blocks", "filled_cpu"), med("off", "filled_cpu")),
        Row("import textual-image + Pillow", statistics.median(_import_cost() for _ in range(3))),
    ]  # fmt: skip
    print(table(rows))
    print(f"picture rows drawn: {runs['blocks'][0]['rows']:.0f}; baseline: images = off")


if __name__ == "__main__":
    main()
