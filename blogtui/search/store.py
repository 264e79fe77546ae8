"""Where an archive's index lives: the cache folder, its files, the refresh lock, the fallback.

Indexes live under the user cache directory, one folder per archive (named by a hash of its
resolved path), never inside the archive. When that folder cannot be written (read-only,
full, no permission) the index lives in memory instead, with one notice saying so.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from blogtui.model import FIELDS_FINGERPRINT
from blogtui.search.analysis import FINGERPRINT as ANALYSIS_FINGERPRINT

#: Bump when the Whoosh schema, the codec or the catalogue layout changes. The Post field
#: table and the analyzer are hashed into SCHEMA_VERSION as well, so changing them rebuilds
#: old indexes without anyone remembering to bump this.
FORMAT = 9
SCHEMA_VERSION = (
    f"{FORMAT}-"
    + hashlib.sha256(f"{FIELDS_FINGERPRINT}|{ANALYSIS_FINGERPRINT}".encode()).hexdigest()[:12]
)
#: How long a writer waits for another process's refresh before giving up.
LOCK_WAIT_S = 600.0
#: The mode of files the index creates (the lock file; the rest go through `write_atomic`).
FILE_MODE = 0o644

CATALOGUE = "catalogue.marshal"
META = "meta.json"
LOCK = "refresh.lock"
WHOOSH = "whoosh"

#: errno values that mean "this cache cannot be written": fall back to memory.
_UNWRITABLE = frozenset(
    (
        errno.EACCES,
        errno.EPERM,
        errno.ENOSPC,
        errno.ENOTDIR,
        errno.EROFS,
        errno.EEXIST,
        errno.EDQUOT,
    )
)


def unwritable(exc: OSError) -> bool:
    """Whether `exc` means the cache cannot be written (so the index should live in memory)."""
    return exc.errno in _UNWRITABLE


def fallback_notice(location: Path, exc: OSError) -> str:
    """The one notice for an index that falls back to memory."""
    return f"cannot write the index cache at {location} ({exc.strerror}); using an in-memory index"


def rebuild_notice(location: Path | None, reason: str) -> str:
    """The one notice for an index that is rebuilt: `reason` says what was wrong with it."""
    return f"index at {location} {reason}; rebuilding"


def _cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("blogtui")) / "indexes"


def index_location(root: Path) -> Path:
    """Where the index of the archive at `root` lives (under the user cache directory)."""
    resolved = str(Path(root).resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return _cache_root() / digest


def prepare_location(location: Path, root: Path) -> None:
    """Create `location`, the index folder of the archive at `root`, and its meta file;
    OSError if the cache is unwritable."""
    location.mkdir(parents=True, exist_ok=True)
    meta = location / META
    wanted = {"archive": str(Path(root).resolve()), "schema": SCHEMA_VERSION}
    try:
        current = json.loads(meta.read_text("utf-8"))
    except (OSError, ValueError):
        current = None
    if current != wanted:
        write_atomic(meta, json.dumps(wanted).encode())


def prune() -> list[Path]:
    """Remove indexes whose archive no longer exists; return the folders removed."""
    removed: list[Path] = []
    base = _cache_root()
    if not base.is_dir():
        return removed
    for folder in sorted(base.iterdir()):
        try:
            archive = json.loads((folder / META).read_text("utf-8"))["archive"]
        except (OSError, ValueError, KeyError, TypeError):
            archive = None  # no readable meta: an index nobody can claim, so remove it
        if archive is None or not Path(archive).is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def wipe(location: Path) -> None:
    """Delete everything in an index folder but its lock and meta files."""
    for child in location.iterdir():
        if child.name in (LOCK, META):
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` through a temporary file and a rename: readers see old or new, never half."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temp, "wb") as out:
        out.write(data)
    os.replace(temp, path)


@contextlib.contextmanager
def refresh_lock(location: Path | None, *, wait: bool = True) -> Iterator[bool]:
    """Hold the archive's refresh lock (an flock: the kernel drops it if the holder dies).

    Yields True once it is held (always, for an index in memory: there is nothing to share).
    With `wait` false it never waits: it yields False at once when another holder has it.
    Waiting gives up with TimeoutError after LOCK_WAIT_S.
    """
    if location is None:
        yield True
        return
    fd = os.open(location / LOCK, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        held = _flock(fd, location, wait)
        if held:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a curious user
        yield held
    finally:
        os.close(fd)  # closing releases the flock


def _flock(fd: int, location: Path, wait: bool) -> bool:
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not wait:
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"index at {location} is locked by another process") from None
            time.sleep(0.05)
