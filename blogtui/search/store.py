"""Where an archive's index lives: the cache folder, its files, the refresh lock, the fallback.

Indexes live under the user cache directory, one folder per archive (named by a hash of its
resolved path), never inside the archive. When that folder cannot be written (read-only,
full, no permission) the index lives in memory instead, with one notice saying so.

The cache is private and never trusted: folders are made 0700 and files 0600 whatever the
umask; a folder that is not the user's own, is writable by group or others, or is a symlink
is refused (the index then lives in memory, with one notice), because Whoosh unpickles its
table of contents and a planted pickle would run code. Files are opened without following
symlinks, so a link planted in the folder is never written through.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import stat
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from blogtui.model import FIELDS_FINGERPRINT
from blogtui.search.analysis import FINGERPRINT as ANALYSIS_FINGERPRINT

#: Bytes, or a view of them.
Buffer = bytes | bytearray | memoryview

#: Bump when the Whoosh schema, the codec or the catalogue layout changes. The Post field
#: table and the analyzer are hashed into SCHEMA_VERSION as well, so changing them rebuilds
#: old indexes without anyone remembering to bump this.
FORMAT = 10
SCHEMA_VERSION = (
    f"{FORMAT}-"
    + hashlib.sha256(f"{FIELDS_FINGERPRINT}|{ANALYSIS_FINGERPRINT}".encode()).hexdigest()[:12]
)
#: How long a writer waits for another process's refresh before giving up.
LOCK_WAIT_S = 600.0
#: The modes of what the cache creates: private to the user whatever the umask.
FILE_MODE = 0o600
DIR_MODE = 0o700
#: Opening a cache file never follows a symlink planted in its place.
_NOFOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)

CATALOGUE = "catalogue.json"
#: The catalogue's records and fragments (named in its head; a new name per rewrite).
DATA_FILE = re.compile(r"catalogue-[0-9a-f]{16}\.dat")
#: The last walk of the archive (blogtui.search.freshness), matched to the catalogue's stat.
WALK = "walk.json"
META = "meta.json"
LOCK = "refresh.lock"
#: Held by the merge in the background for its life (search/merging.py).
MERGE_LOCK = "merge.lock"
WHOOSH = "whoosh"
#: Files older versions kept in an index folder (removed: they hold the archive's words).
_LEGACY = ("catalogue.marshal",)

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


class UntrustedCache(PermissionError):
    """A cache folder or file someone else could have written: it is never read."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(errno.EPERM, why, str(path))
        self.path = path


def unwritable(exc: OSError) -> bool:
    """Whether `exc` means the cache cannot be written (so the index should live in memory)."""
    return isinstance(exc, UntrustedCache) or exc.errno in _UNWRITABLE


def fallback_notice(location: Path, exc: OSError) -> str:
    """The one notice for an index that falls back to memory."""
    if isinstance(exc, UntrustedCache):
        return (
            f"refusing the index cache at {exc.path} ({exc.strerror}: someone else could have"
            " planted files there); using an in-memory index"
        )
    return f"cannot write the index cache at {location} ({exc.strerror}); using an in-memory index"


def check_private(path: Path, *, folder: bool) -> os.stat_result:
    """lstat `path` and raise UntrustedCache unless it is the user's own and private enough:
    not a symlink, of the right type, owned by the user, not writable by group or others."""
    st = os.lstat(path)
    return _check_stat(path, st, folder=folder)


def _check_stat(path: Path, st: os.stat_result, *, folder: bool) -> os.stat_result:
    if stat.S_ISLNK(st.st_mode):
        raise UntrustedCache(path, "it is a symlink")
    if folder and not stat.S_ISDIR(st.st_mode):
        raise UntrustedCache(path, "it is not a folder")
    if not folder and not stat.S_ISREG(st.st_mode):
        raise UntrustedCache(path, "it is not a regular file")
    if st.st_uid != os.geteuid():
        raise UntrustedCache(path, f"it is owned by uid {st.st_uid}, not by you")
    if st.st_mode & 0o022:
        raise UntrustedCache(
            path, f"it is writable by group or others (mode {st.st_mode & 0o777:o})"
        )
    return st


def private_folder(path: Path) -> None:
    """Make the folder `path` (0700) if missing, then check it is private (UntrustedCache).

    A private folder of ours that others may read (made 0755 by an older blogtui) is
    closed to them: its files hold the archive's words.
    """
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, DIR_MODE)
    st = check_private(path, folder=True)
    if st.st_mode & 0o077:
        os.chmod(path, DIR_MODE, follow_symlinks=False)


def open_private(path: Path, flags: int) -> int:
    """os.open a cache file without following symlinks, created 0600; the fd of a file that
    passed `check_private` (UntrustedCache otherwise, OSError when it cannot be opened)."""
    try:
        fd = os.open(path, flags | _NOFOLLOW, FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UntrustedCache(path, "it is a symlink") from None
        raise
    try:
        st = _check_stat(path, os.fstat(fd), folder=False)
        if st.st_mode & 0o077:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_private(path: Path) -> bytes:
    """The bytes of a cache file that passed the checks of `open_private`."""
    with os.fdopen(open_private(path, os.O_RDONLY), "rb") as handle:
        return handle.read()


def rebuild_notice(location: Path | None, reason: str) -> str:
    """The one notice for an index that is rebuilt: `reason` says what was wrong with it."""
    return f"index at {location} {reason}; rebuilding"


def repair_notice(location: Path | None, reason: str) -> str:
    """The one notice for catalogue records that are read again from their files."""
    return f"index at {location} had an unreadable record ({reason}); repairing"


def _cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("blogtui")) / "indexes"


def index_location(root: Path) -> Path:
    """Where the index of the archive at `root` lives (under the user cache directory)."""
    resolved = str(Path(root).resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return _cache_root() / digest


def prepare_location(location: Path, root: Path) -> Path:
    """Create `location`, the index folder of the archive at `root`, and its meta file;
    OSError if the cache is unwritable or not private."""
    base = location.parent.parent  # the cache root's own folder (…/blogtui)
    base.parent.mkdir(parents=True, exist_ok=True)  # ~/.cache is the user's, not ours
    for folder in (base, location.parent, location):
        private_folder(folder)
    if os.path.lexists(location / WHOOSH):
        check_private(location / WHOOSH, folder=True)
    for name in _LEGACY:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(location / name)
    meta = location / META
    wanted = {"archive": str(Path(root).resolve()), "schema": SCHEMA_VERSION}
    try:
        current = json.loads(read_private(meta).decode("utf-8"))
    except UntrustedCache:
        raise
    except (OSError, ValueError):
        current = None
    if current != wanted:
        write_atomic(meta, json.dumps(wanted).encode())
    return location


def prune() -> list[Path]:
    """Remove indexes whose archive no longer exists; return the folders removed."""
    import shutil  # (here: a command that reads its index removes nothing)

    removed: list[Path] = []
    base = _cache_root()
    if not base.is_dir():
        return removed
    for folder in sorted(base.iterdir()):
        try:
            check_private(folder, folder=True)
        except UntrustedCache:
            continue  # not ours to read, nor to remove
        try:
            archive = json.loads(read_private(folder / META).decode("utf-8"))["archive"]
        except (OSError, ValueError, KeyError, TypeError):
            archive = None  # no readable meta: an index nobody can claim, so remove it
        if archive is None or not Path(archive).is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def wipe(location: Path) -> None:
    """Delete everything in an index folder but its lock and meta files."""
    import shutil  # (here: a command that reads its index removes nothing)

    for child in location.iterdir():
        if child.name in (LOCK, META):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes | Sequence[Buffer]) -> None:
    """Write `path` through a temporary file and a rename: readers see old or new, never half.
    `data` may be pieces, written in order."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)  # left by a crash of a process with the same pid
    fd = open_private(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in [data] if isinstance(data, bytes | bytearray) else data:
                out.write(piece)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)  # a full disk must not leave half a file behind
        raise


def append_private(path: Path, pieces: Sequence[Buffer]) -> None:
    """Append `data` to a private cache file (the catalogue's data file: readers of an
    older head read only the chunks it names, before the end this starts at)."""
    fd = open_private(path, os.O_WRONLY | os.O_APPEND)
    try:
        for piece in pieces:
            write_all(fd, piece)
    finally:
        os.close(fd)


def write_all(fd: int, data: Buffer) -> None:
    """Write all of `data` to the file descriptor `fd`."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def remove_unnamed(location: Path, keep: str) -> None:
    """Remove the catalogue data files of an index folder other than `keep` (older
    generations: a reader that still has one open keeps reading it)."""
    for child in location.iterdir():
        if child.name != keep and DATA_FILE.fullmatch(child.name):
            child.unlink(missing_ok=True)


@contextlib.contextmanager
def merge_lock(location: Path, *, create: bool = True) -> Iterator[bool]:
    """Hold the merge lock of the index at `location` if no other process does (never
    waits); yields whether it is held. While it is, the segment files no table of contents
    names may be a merge's being written: commits and clean-ups leave them alone. Without
    `create`, a missing lock file raises FileNotFoundError (no merge ever ran there)."""
    fd = open_private(location / MERGE_LOCK, os.O_RDWR | (os.O_CREAT if create else 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def merging(location: Path) -> bool:
    """Whether a merge in the background holds the merge lock of the index at `location`
    (a process holding it itself is told True as well). Creates nothing: where no merge
    ever ran there is no lock file, and no answer needs one."""
    try:
        with merge_lock(location, create=False) as held:
            return not held
    except OSError:  # no lock file or folder, or a planted symlink: no merge of ours runs
        return False


@contextlib.contextmanager
def refresh_lock(location: Path | None, *, wait: bool = True) -> Iterator[bool]:
    """Hold the archive's refresh lock (an flock: the kernel drops it if the holder dies).

    Yields True once it is held (always, for an index in memory: there is nothing to share).
    With `wait` false it never waits: it yields False at once when another holder has it.
    Waiting gives up with TimeoutError after LOCK_WAIT_S, naming the holder. The lock file
    is opened without following symlinks: a planted `refresh.lock -> victim` is refused.
    """
    if location is None:
        yield True
        return
    fd = open_private(location / LOCK, os.O_RDWR | os.O_CREAT)
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
                raise TimeoutError(
                    f"index at {location} is still locked by another process ({_holder(fd)})"
                    f" after {LOCK_WAIT_S:.0f} s; try again, or end that process"
                ) from None
            time.sleep(0.05)


def _holder(fd: int) -> str:
    """Who holds the lock, as the holder wrote it."""
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "pid unknown"


def whoosh_storage(folder: Path) -> Any:
    """Whoosh's FileStorage of the private folder `folder` (made and checked here).

    Whoosh unpickles its table of contents and segment list, so it reads only behind the
    checks of `private_folder`; and its files are created 0600 and opened without
    following symlinks.
    """
    private_folder(folder)
    return _private_storage_class()(str(folder), supports_mmap=False)


@functools.cache
def _private_storage_class() -> type:
    from whoosh.filedb import filestore, structfile

    base: Any = filestore.FileStorage  # whoosh's classes are untyped
    struct_file: Any = structfile.StructFile

    class PrivateStorage(base):  # type: ignore[misc]
        """FileStorage whose files are private and never reached through a symlink."""

        def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kw: Any) -> Any:
            flags = os.O_CREAT | (os.O_EXCL | os.O_RDWR if excl else os.O_WRONLY | os.O_TRUNC)
            fd = open_private(Path(self.folder, name), flags)
            return struct_file(os.fdopen(fd, mode), name=name, **kw)

        def open_file(self, name: str, **kw: Any) -> Any:
            fd = open_private(Path(self.folder, name), os.O_RDONLY)
            return struct_file(os.fdopen(fd, "rb"), name=name, **kw)

    return PrivateStorage
