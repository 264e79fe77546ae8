"""A warm home whose catalogue is real and whose Whoosh index is empty (no cold build).

    python benchmarks/catalogue_home.py HOME ARCHIVE [--jobs 2]

The `list` and `edit` parts of bench_scale.py need a warm index; at 100,000 posts a cold
build costs 700 s of CPU. `list` reads the catalogue alone, and `edit` indexes the one
edited post, so this writes the catalogue every file's read would give (parsed in `--jobs`
processes, canonicalised, sealed) beside an empty Whoosh index. Searches in such a home
find only posts indexed since: say so beside any figure taken in it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any


def _home_env(home: Path) -> None:
    for name, sub in (("HOME", "home"), ("XDG_CACHE_HOME", "cache"),
                      ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                      ("XDG_STATE_HOME", "state")):  # fmt: skip
        (home / sub).mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(home / sub)


def _read(job: tuple[Any, Any]) -> tuple[str, Any]:
    from blogtui.search import catalogue

    source, site = job
    return source.path, catalogue.read(source, None, site)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("archive", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    _home_env(args.home.resolve())
    from blogtui.archive import scan
    from blogtui.search import catalogue, segments, store

    started = time.process_time(), time.perf_counter()
    found = scan(args.archive)
    location = store.prepare_location(store.index_location(args.archive), args.archive)
    with Pool(args.jobs) as pool:
        jobs = [(source, found.site) for source in found.files]
        entries = dict(sorted(pool.imap_unordered(_read, jobs, chunksize=200)))
    catalogue.canonicalise(entries)
    store.whoosh_storage(location / store.WHOOSH).create_index(segments.schema())
    data = catalogue.dump(entries, store.SCHEMA_VERSION, found.site.fingerprint)
    store.write_atomic(location / store.CATALOGUE, data)
    cpu, wall = time.process_time() - started[0], time.perf_counter() - started[1]
    print(f"{len(entries)} entries, {len(data) / 1e6:.1f} MB; parent {cpu:.1f} s CPU, "
          f"{wall:.1f} s wall", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
