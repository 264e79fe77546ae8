"""Freshness without walking every folder: the last walk kept beside the index, and its changes.

A command walks the archive reusing the folders whose stamp (device, inode, mtime, ctime)
has not changed since the last walk, and stats every file it knows (an edit in place
changes only the file); a reader told by file-system events lists only the folders and
stats only the files they name. What changed since the last walk comes out as the files
to read again and the paths gone, applied to the catalogue the last walk was saved with.

The walk is saved as a sealed file in the index folder, private like the rest of it
(blogtui.search.store), and is trusted only with the catalogue whose stat it records. It is
kept as columns (`Columns`): the folders' paths and stamps and the files' names and stats as
flat arrays, so that a command can stat everything and find that nothing changed with no
Python loop per file and no Folder built; the Tree is decoded only when something changed.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import os
import select
import stat
import sys
import threading
import time
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from operator import add, attrgetter, itemgetter
from pathlib import Path
from typing import Any

from blogtui.archive import (
    UNTRUSTED,
    Content,
    Folder,
    Reuse,
    Seen,
    SourceFile,
    Stamp,
    Sub,
    Tree,
    check_root,
    content_folders,
    list_again,
    seen_stat,
    walk_tree,
)
from blogtui.model import Problem
from blogtui.search import store
from blogtui.site import NO_SITE, Site, read_site

_MAGIC = b"blogtui-walk 3\n"
_DIGEST = 32  # BLAKE2b-256, as hex digits and a newline
#: What a saved walk is matched with: the stat (mtime_ns, size) of its catalogue.
Base = tuple[int, int]
#: What a folder's and a file's stat are compared on (the walk's Stamp and Seen[1:6]).
_STAMP = attrgetter("st_dev", "st_ino", "st_mtime_ns", "st_ctime_ns")
_STAT = attrgetter("st_dev", "st_ino", "st_mtime_ns", "st_size", "st_ctime_ns")
_SEEN_NUMBERS = itemgetter(1, 2, 3, 4, 5)
_SEEN_LINK = itemgetter(6)
_SEEN_NAME = itemgetter(0)
_BY_PATH = attrgetter("path")
_NUMBER = itemgetter(0)
#: Stands for a stat that failed: no saved stamp or stat holds it (devices are unsigned).
_FAILED = -2
#: More files changed than this are left to a walk (each is checked against every inode).
_FEW = 64
#: A saved walk of at least this many files has its stats taken ahead (`Ahead`); below it
#: they cost less than forking does. At 10,000 posts (0.04-0.06 s of stats) a warm
#: `search RAREWORD` took 0.206 s with the children, 0.249 s without (medians of 30).
AHEAD_MIN = 4_000
#: Whether paths reach the file system as UTF-8 (with undecodable bytes kept as they were).
_UTF8 = sys.getfilesystemencoding() == "utf-8" and sys.getfilesystemencodeerrors() == (
    "surrogateescape"
)


class Undecodable(ValueError):
    """A saved walk's folders do not decode (it was planted or damaged after its seal):
    the walk it stood for is unknown, so the next walk starts from none."""


@dataclass(slots=True, eq=False)
class Columns:
    """A walk as flat columns, as saved: every folder's path and stamp, every file's name
    and stat, folder by folder in walk order; the rest of each folder (`detail`, JSON) is
    decoded into Folders only when a Tree is asked for."""

    root: str
    follow_symlinks: bool
    plain: bool
    #: The content folders the walk started from (`content_folders`), then any other.
    contents: tuple[Content, ...]
    walked: int  # how many of `contents` the walk started from
    #: Every content folder the walk started from is one of its folders (no problem met there).
    whole: bool
    paths: list[str]
    stamps: array[int]  # 4 per folder: dev, ino, mtime_ns, ctime_ns
    counts: array[int]  # files per folder
    #: The file names, each ended by a NUL (decoded only for a Tree: stats take bytes).
    names: bytes
    numbers: array[int]  # 5 per file: dev, ino, mtime_ns, size, ctime_ns
    links: bytes  # 1 per file: reached through a symlink entry
    #: The folders' `_index.*` files and problems: (folder number, a, b), in walk order.
    branches: list[tuple[int, str, str]]
    problems: list[tuple[int, str, str]]
    detail: bytes
    #: The saved bytes after the head (the head changes with the base alone).
    body: bytes = b""
    sizes: list[int] = field(default_factory=list)
    _files: list[bytes] | list[str] | None = None
    _folders: dict[str, Folder] | None = None
    _rows: list[Any] | None = None

    def file_paths(self) -> list[bytes] | list[str]:
        """Every file's path, folder by folder, made once: as bytes where the file system
        takes UTF-8 (os.stat then encodes nothing: a tenth of its cost), else as text."""
        if self._files is None:
            if _UTF8:
                bases = [_slashed(path).encode("utf-8", "surrogateescape") for path in self.paths]
                names = self.names.split(b"\0")[:-1]
                self._files = list(map(add, _repeated(bases, self.counts), names))
            else:
                texts = [_slashed(path) for path in self.paths]
                self._files = list(map(add, _repeated(texts, self.counts), self.file_names()))
        return self._files

    def file_names(self) -> list[str]:
        """The file names, folder by folder."""
        return self.names.decode("utf-8", "surrogateescape").split("\0")[:-1]

    @staticmethod
    def file_names_of(names: list[bytes]) -> list[str]:
        return [name.decode("utf-8", "surrogateescape") for name in names]

    def same(self, root: Path) -> tuple[Site, list[Problem]]:
        """The site and problems of a walk that found every stamp and stat as saved."""
        prefixes = [content.prefix for content in self.contents[: self.walked]]
        site = read_site(root, prefixes, [(a, b) for _n, a, b in self.branches])
        return site, [Problem(path, reason) for _n, path, reason in self.problems]

    def folder(self, number: int) -> Folder:
        """One folder, without its files (its detail checked as it is decoded)."""
        if self._rows is None:
            self._rows = _detail_rows(self)
        return _folder(self, number, self._rows[number], (), (), ())

    def restated(self, changed: list[int]) -> tuple[Columns, list[SourceFile]] | None:
        """These columns with the files numbered `changed` stat-ed again, and those files;
        None if one is gone or not a regular file (its folder must be listed again)."""
        paths, ends, now = self.file_paths(), list(accumulate(self.counts)), time.time_ns()
        numbers, todo = array("q", self.numbers), []
        for n in changed:
            try:
                info = os.stat(paths[n])
            except (OSError, ValueError):
                return None
            if not stat.S_ISREG(info.st_mode):
                return None
            folder = self.folder(bisect_right(ends, n))
            name = os.fsdecode(paths[n])[len(_slashed(folder.path)) :]
            seen = seen_stat(name, info, bool(self.links[n]), now)
            numbers[5 * n : 5 * n + 5] = array("q", _SEEN_NUMBERS(seen))
            todo.append(folder.source(seen))
        if not self._only_paths(numbers, changed):
            return None
        new = Columns(self.root, self.follow_symlinks, self.plain, self.contents, self.walked,
                      self.whole, self.paths, self.stamps, self.counts, self.names, numbers,
                      self.links, self.branches, self.problems, self.detail,
                      _files=self._files, _rows=self._rows)  # fmt: skip
        return new, sorted(todo, key=_BY_PATH)

    def relisted(
        self, folders: list[int], files: list[int]
    ) -> tuple[Columns, list[SourceFile], list[str]] | None:
        """These columns with the `folders` listed again and the `files` of other folders
        stat-ed again: the new columns, the files to read and the paths gone. None when a
        walk must decide (a subfolder came or went, a link, a hard link, too many)."""
        if len(folders) > _FEW:
            return None
        ends = list(accumulate(self.counts))
        listed = set(folders)
        others = [n for n in files if bisect_right(ends, n) not in listed]
        restated = self.restated(others) if others else (self, [])
        if restated is None:
            return None
        columns, todo = restated
        gone: list[str] = []
        patch = _Patch(columns)
        for number in sorted(folders, reverse=True):  # from the end: offsets still hold
            if not patch.relist(number, ends[number] - self.counts[number], todo, gone):
                return None
        todo.sort(key=_BY_PATH)
        return patch.columns(), todo, sorted(gone)

    @staticmethod
    def _only_paths(numbers: array[int], changed: list[int]) -> bool:
        """Whether no file stat-ed again shares its inode with another (a hard link made
        inside the archive, which decides between paths: the walk must see it)."""
        if len(changed) > _FEW:
            return False
        inodes = numbers[1::5]
        return all(inodes.count(numbers[5 * n + 1]) == 1 for n in changed)

    def tree(self, site: Site = NO_SITE, problems: list[Problem] | None = None) -> Tree:
        """The walk as a Tree (its Folders decoded once). Raises Undecodable."""
        if self._folders is None:
            try:
                self._folders = _folders(self)
            except (ValueError, TypeError, KeyError, IndexError, RecursionError) as error:
                raise Undecodable(str(error)) from None
        return Tree(Path(self.root), self._folders, problems or [], site,
                    self.contents[: self.walked], _plain=self.plain)  # fmt: skip


class Walked:
    """A walk of the archive and the catalogue stat it matches (None: not saved with one);
    held as a Tree, as the Columns it was saved or loaded as, or both."""

    __slots__ = ("_tree", "base", "columns", "follow_symlinks")

    def __init__(
        self, tree: Tree | None, base: Base | None, follow_symlinks: bool = False,
        columns: Columns | None = None,
    ) -> None:  # fmt: skip
        if tree is None and columns is None:
            raise ValueError("a walk needs a tree or its columns")
        self._tree, self.base, self.follow_symlinks = tree, base, follow_symlinks
        self.columns = columns

    @classmethod
    def of(cls, found: Found, base: Base | None, follow_symlinks: bool) -> Walked:
        """The walk `found` made, to keep (its tree stays undecoded if it was)."""
        return cls(found._tree, base, follow_symlinks, found.columns)

    @property
    def tree(self) -> Tree:
        """The walk as a Tree. Raises Undecodable (a damaged saved walk)."""
        if self._tree is None:
            assert self.columns is not None
            self._tree = self.columns.tree()
        return self._tree

    def folders(self) -> list[str]:
        """The folders walked, in walk order (no Folder decoded for it)."""
        if self._tree is None and self.columns is not None:
            return list(self.columns.paths)
        return list(self.tree.folders)


class Found:
    """A walk of the archive and what changed since the walk it reused (`base`).

    `todo` (files new or changed, by path) and `gone` (paths) hold against the catalogue
    whose stat is `base`; with no base, only `files()` is known. A walk that found every
    stamp and stat as saved holds no Tree, only the saved Columns (decoded if asked).
    """

    __slots__ = ("_tree", "base", "columns", "gone", "moved", "problems", "site", "todo")

    def __init__(
        self, tree: Tree | None, base: Base | None = None, todo: list[SourceFile] | None = None,
        gone: list[str] | None = None, moved: bool = True, *, columns: Columns | None = None,
        site: Site | None = None, problems: list[Problem] | None = None,
    ) -> None:  # fmt: skip
        self._tree, self.base, self.columns = tree, base, columns
        self.todo: list[SourceFile] = todo or []
        self.gone: list[str] = gone or []
        #: Whether the walk differs from the one it reused (so it is worth saving).
        self.moved = moved
        self.site: Site = tree.site if tree is not None else site or NO_SITE
        self.problems: list[Problem] = tree.problems if tree is not None else problems or []

    @property
    def tree(self) -> Tree:
        """The walk as a Tree (when its saved columns do not decode, a walk of every folder:
        its stats matched, so it is the same walk)."""
        if self._tree is None:
            assert self.columns is not None
            try:
                self._tree = self.columns.tree(self.site, self.problems)
            except Undecodable:
                columns = self.columns
                self._tree = walk_tree(Path(columns.root), follow_symlinks=columns.follow_symlinks)
        return self._tree

    @property
    def files(self) -> list[SourceFile]:
        """Every post file, by path (built on demand: the delta usually suffices)."""
        return self.tree.files()


def walk(
    root: Path,
    previous: Walked | None,
    *,
    follow_symlinks: bool = False,
    exact: bool = False,
    touched: Iterable[str] | None = None,
    ahead: Ahead | None = None,
) -> Found:
    """Walk the archive at `root`, reusing `previous` unless `exact` (then every folder is
    listed again); `touched` (paths named by file-system events) limits what is looked at;
    `ahead`: the stats of `previous` already being taken (`Ahead.start`). Raises ArchiveError."""
    columns = previous.columns if previous is not None else None
    taken = ahead.result(columns) if ahead is not None else None
    if columns is not None and not exact and touched is None:
        check_root(root)
        differences = _differences(columns, root, taken)
        if differences is not None:
            folders, files = differences
            if columns.plain:  # list only the folders that changed, stat only the files
                base = previous.base if previous is not None else None
                found = _restated(columns, root, base, folders, files)
                if found is not None:
                    return found
            paths = columns.file_paths()
            touched = {columns.paths[n] for n in folders} | {os.fsdecode(paths[n]) for n in files}
    before = _tree_of(previous)
    reuse = None
    if before is not None and not exact:
        named = None if touched is None else frozenset(touched)
        reuse = Reuse(before.folders, named)
    tree = walk_tree(root, follow_symlinks=follow_symlinks, reuse=reuse)
    if previous is None or before is None:
        return Found(tree)
    todo, gone = changes(before, tree)
    moved = bool(todo or gone) or _folders_moved(before, tree)
    return Found(tree, previous.base, todo, gone, moved, columns=None if moved else columns)


def _tree_of(walked: Walked | None) -> Tree | None:
    """The walk's Tree; None if there is none or its saved columns do not decode."""
    try:
        return walked.tree if walked is not None else None
    except Undecodable:
        return None


def _restated(
    columns: Columns, root: Path, base: Base | None, folders: list[int], files: list[int]
) -> Found | None:
    """The walk when only the `folders` (listed again) and the `files` (stat-ed again)
    differ from the saved walk; None if a walk must decide (see `Columns.relisted`)."""
    try:
        if folders:
            relisted = columns.relisted(folders, files)
        else:
            restated = columns.restated(files) if files else (columns, [])
            relisted = (*restated, []) if restated is not None else None
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None  # a damaged detail: the walk decodes the tree (or walks in full)
    if relisted is None:
        return None
    new, todo, gone = relisted
    site, problems = new.same(root)
    moved = bool(todo or gone or folders)
    return Found(None, base, todo, gone, moved, columns=new, site=site, problems=problems)


class _Patch:
    """Columns being changed folder by folder (each listed again), the rest kept."""

    def __init__(self, columns: Columns) -> None:
        self.old = columns
        self.names = columns.names.split(b"\0")[:-1]
        self.paths: list[Any] = list(columns.file_paths())
        self.numbers, self.stamps = array("q", columns.numbers), array("q", columns.stamps)
        self.counts, self.links = array("q", columns.counts), bytearray(columns.links)
        self.branches, self.problems = list(columns.branches), list(columns.problems)

    def relist(self, number: int, start: int, todo: list[SourceFile], gone: list[str]) -> bool:
        """List folder `number` (its files from `start`) again; False if a walk must."""
        old = self.old
        stop = start + old.counts[number]
        folder = old.folder(number)
        files = tuple(zip(old.file_names_of(self.names[start:stop]),
                          *_columns_of(self.numbers[5 * start : 5 * stop], 5),
                          map(bool, self.links[start:stop]), strict=True))  # fmt: skip
        before = folder._replace(files=files)
        if before.via_link or not before.plain:
            return False
        after = list_again(before, Path(old.root), follow_symlinks=old.follow_symlinks)
        if after.subdirs != before.subdirs or not after.plain or not self._own(before, after):
            return False
        _folder_changes(before, after, todo, gone)
        names = [seen[0].encode("utf-8", "surrogateescape") for seen in after.files]
        self.names[start:stop] = names
        base = _slashed(after.path)
        self.paths[start:stop] = (
            [base.encode("utf-8", "surrogateescape") + name for name in names]
            if _UTF8 else [base + seen[0] for seen in after.files]
        )  # fmt: skip
        self.numbers[5 * start : 5 * stop] = array(
            "q", chain.from_iterable(map(_SEEN_NUMBERS, after.files)))  # fmt: skip
        self.links[start:stop] = bytes(map(_SEEN_LINK, after.files))
        self.counts[number] = len(after.files)
        self.stamps[4 * number : 4 * number + 4] = array("q", after.stamp)
        self.branches = [row for row in self.branches if row[0] != number]
        self.branches += [(number, a, b) for a, b in after.branch_indexes]
        self.problems = [row for row in self.problems if row[0] != number]
        self.problems += [(number, p.path, p.reason) for p in after.problems]
        return True

    def _own(self, before: Folder, after: Folder) -> bool:
        """No file new to the folder shares its inode with a file elsewhere (a hard link
        inside the archive decides between paths: the walk must see it)."""
        known = {(seen[1], seen[2]) for seen in before.files}
        keys = [(seen[1], seen[2]) for seen in after.files]
        if len(set(keys)) != len(keys):  # two paths to one file in it
            return False
        inodes = self.numbers[1::5]
        new = [key for key in keys if key not in known]
        return len(new) <= _FEW and all(inodes.count(ino) == 0 for _dev, ino in new)

    def columns(self) -> Columns:
        old = self.old
        self.branches.sort(key=_NUMBER)  # stable: each folder's in its listing order
        self.problems.sort(key=_NUMBER)
        return Columns(old.root, old.follow_symlinks, old.plain, old.contents, old.walked,
                       old.whole, old.paths, self.stamps, self.counts,
                       b"\0".join([*self.names, b""]), self.numbers,
                       bytes(self.links), self.branches, self.problems, old.detail,
                       _files=self.paths, _rows=old._rows)  # fmt: skip


def _columns_of(numbers: array[int], width: int) -> list[array[int]]:
    return [numbers[i::width] for i in range(width)]


def _differences(
    columns: Columns, root: Path, taken: tuple[array[int], array[int]] | None = None
) -> tuple[list[int], list[int]] | None:
    """The numbers of the folders and of the files whose stat is not the saved one; None
    when the walk would not start where it did (the content folders moved: walk by stamps).

    A walk over the same content folders that finds every folder's stamp and every file's
    stat as they were would take the same folders in the same order and keep each Folder
    as it was: so comparing the stats, column by column, stands for walking. `taken`: the
    stamps and stats, taken ahead (`Ahead`).
    """
    if not columns.whole or tuple(content_folders(root)) != columns.contents[: columns.walked]:
        return None
    stamps, numbers = taken if taken is not None else _stats_of(columns)
    if stamps == columns.stamps and numbers == columns.numbers:
        return [], []
    return _unequal(stamps, columns.stamps, 4), _unequal(numbers, columns.numbers, 5)


def _stats_of(columns: Columns) -> tuple[array[int], array[int]]:
    """Every folder's stamp and every file's stat, as the columns keep them."""
    return _stats(columns.paths, _STAMP, 4), _stats(columns.file_paths(), _STAT, 5)


class Ahead:
    """The stats of a saved walk, taken by forked child processes while this one does other
    work (a command loads its catalogue meanwhile): the stats, most of what finding no
    change costs (0.37 s of CPU at 100,000 posts), overlap the load, split between two
    children. Measured at 100,000 posts on two quiet cores, warm search: no child 0.90 s,
    one child 0.90 s (the parent waits for it as long as it would have statted), two
    0.72 s (benchmarks/README.md).

    The stats stand for the moment a child took them, a few tenths of a second before the
    walk compares them: as if the command had started that much earlier. A child only
    stats and writes the numbers to a pipe; any failure (no fork, a short or odd reply)
    leaves the walk to stat the files itself. Forked only from a process with no other
    thread (a fork copies no thread, and a lock another held stays held), and only on
    Linux (on macOS the system's libraries are not safe to use in a forked child).
    """

    __slots__ = ("_children", "_columns", "_frozen")

    def __init__(self, columns: Columns, children: list[tuple[int, int, int, int]]) -> None:
        self._columns = columns
        #: Each child's pid, pipe, and the files it stats (from, to).
        self._children = children
        self._frozen = False

    @classmethod
    def start(cls, walked: Walked | None) -> Ahead | None:
        """Start taking the stats of `walked`'s columns; None when not worth it or not safe."""
        columns = walked.columns if walked is not None else None
        if (
            columns is None
            or len(columns.links) < AHEAD_MIN
            or sys.platform != "linux"
            or threading.active_count() != 1
        ):
            return None
        files = columns.file_paths()  # made once, here: each child inherits it
        half = len(files) // 2
        ahead = cls(columns, [])
        # While the children live, every page this process writes to is copied first (copy
        # on write); the cyclic GC's passes write to every object it tracks. Frozen, they
        # are left alone until the children are collected: warm search at 10,000 posts,
        # 10 interleaved runs, 128.8 -> 117.5 ms (benchmarks/README.md, session 10).
        if gc.isenabled() and not gc.get_freeze_count():
            gc.freeze()
            ahead._frozen = True
        for start, stop in ((0, half), (half, len(files))):
            child = _fork_stats(columns, files, start, stop, stamps=start == 0)
            if child is None:
                ahead.close()
                return None
            ahead._children.append(child)
        return ahead

    def pending(self) -> bool:
        """Whether a child is still taking its stats (it writes its reply only once done:
        a pipe with nothing to read yet)."""
        fds = [fd for _pid, fd, _start, _stop in self._children]
        try:
            ready, _, _ = select.select(fds, [], [], 0)
        except (OSError, ValueError):
            return False
        return len(ready) < len(fds)

    def result(self, columns: Columns | None) -> tuple[array[int], array[int]] | None:
        """The stamps and stats, if they were taken of these `columns`; None otherwise
        (then the walk takes them). The children are waited for either way."""
        replies = [_collect(pid, fd) for pid, fd, _start, _stop in self._children]
        taken = self._children
        self._children = []
        self._thaw()
        if columns is not self._columns or not taken or None in replies:
            return None
        stamps, numbers = array("q"), array("q")
        for (_pid, _fd, start, stop), reply in zip(taken, replies, strict=True):
            assert reply is not None
            if start == 0:
                count = 4 * len(columns.paths)
                if len(reply) < 8 * count:
                    return None
                stamps.frombytes(reply[: 8 * count])
                reply = reply[8 * count :]
            if len(reply) != 8 * 5 * (stop - start):
                return None
            numbers.frombytes(reply)
        return stamps, numbers

    def close(self) -> None:
        """Wait for the children, their replies unread (a walk that did not need them)."""
        for pid, fd, _start, _stop in self._children:
            _collect(pid, fd)
        self._children = []
        self._thaw()

    def _thaw(self) -> None:
        """The objects frozen before the children forked are the GC's again."""
        if self._frozen:
            self._frozen = False
            gc.unfreeze()

    def __del__(self) -> None:
        self.close()


def _fork_stats(
    columns: Columns, files: list[bytes] | list[str], start: int, stop: int, *, stamps: bool
) -> tuple[int, int, int, int] | None:
    """A child that writes the stats of files[start:stop] (after the folders' stamps, when
    `stamps`) to a pipe and leaves: (its pid, the pipe, start, stop); None if none forks."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: stat, write, and leave at once (no cleanup, no flush)
        code = 1
        try:
            os.close(read_end)
            # Every stat taken before anything is written: a write fills the pipe (64 KB)
            # and waits for the parent to read, which it does only once its own work is
            # done; stats taken after a first write would all be taken after that.
            taken = _stats(columns.paths, _STAMP, 4).tobytes() if stamps else b""
            taken += _stats(files[start:stop], _STAT, 5).tobytes()
            _write_all(write_end, taken)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end, start, stop


def _collect(pid: int, fd: int) -> bytes | None:
    """A child's whole reply, once it has left; None if it failed."""
    parts: list[bytes] = []
    try:
        while part := os.read(fd, 1 << 20):
            parts.append(part)
    except OSError:
        parts = []
    finally:
        os.close(fd)
    try:
        _pid, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _stats(paths: list[bytes] | list[str], fields: attrgetter[Any], width: int) -> array[int]:
    """The `fields` of each path's stat, flat: one C loop, unless a stat fails (then the
    failed ones read `_FAILED`)."""
    try:
        return array("q", chain.from_iterable(map(fields, map(os.stat, paths))))
    except (OSError, ValueError, OverflowError):
        numbers = array("q")
        for path in paths:
            try:
                numbers.extend(array("q", fields(os.stat(path))))
            except (OSError, ValueError, OverflowError):
                numbers.extend(repeat(_FAILED, width))
        return numbers


def _unequal(new: array[int], old: array[int], width: int) -> list[int]:
    """The numbers of the rows (`width` values each) that differ, found by halving: a few
    differences among 100,000 rows cost a few dozen slice comparisons, not a loop."""
    found: list[int] = []
    spans = [(0, len(old) // width)]
    while spans:
        low, high = spans.pop()
        if new[low * width : high * width] == old[low * width : high * width]:
            continue
        if high - low == 1:
            found.append(low)
        else:
            middle = (low + high) // 2
            spans += [(middle, high), (low, middle)]
    return found


def _repeated(bases: list[Any], counts: array[int]) -> Iterator[Any]:
    return chain.from_iterable(map(repeat, bases, counts))


def _slashed(folder: str) -> str:
    """The folder's path ready to have a name added (what os.path.join would make)."""
    return folder if folder.endswith(os.sep) else folder + os.sep


def _folders_moved(old: Tree, new: Tree) -> bool:
    if old.folders.keys() != new.folders.keys():
        return True
    return any(old.folders[path] is not folder for path, folder in new.folders.items())


def changes(old: Tree, new: Tree) -> tuple[list[SourceFile], list[str]]:
    """The files of `new` to read again (new, changed or untrusted) and the paths gone."""
    if not (old.plain and new.plain):  # links decide which path a file has: compare all
        return _changes_by_path(old, new)
    todo: list[SourceFile] = []
    gone: list[str] = []
    for path, folder in new.folders.items():
        before = old.folders.get(path)
        if before is not folder:
            _folder_changes(before, folder, todo, gone)
    for path, before in old.folders.items():
        if path not in new.folders:
            gone.extend(before.rel(seen[0]) for seen in before.files)
    todo.sort(key=lambda source: source.path)
    return todo, sorted(gone)


def _folder_changes(
    before: Folder | None, after: Folder, todo: list[SourceFile], gone: list[str]
) -> None:
    if before is None or (before.prefix, before.content) != (after.prefix, after.content):
        if before is not None:
            gone.extend(before.rel(seen[0]) for seen in before.files)
        todo.extend(after.source(seen) for seen in after.files)
        return
    old = {seen[0]: seen for seen in before.files}
    for seen in after.files:
        was = old.pop(seen[0], None)
        if was is None or was != seen or was[5] == UNTRUSTED:
            todo.append(after.source(seen))
    gone.extend(before.rel(name) for name in old)


def _changes_by_path(old: Tree, new: Tree) -> tuple[list[SourceFile], list[str]]:
    before = {found.source.path: found.seen for found in old.found()}
    after = new.found()
    todo = [
        found.source
        for found in after
        if (was := before.get(found.source.path)) is None
        or was != found.seen
        or was[5] == UNTRUSTED
    ]
    paths = {found.source.path for found in after}
    return todo, [path for path in before if path not in paths]


# ---- the file beside the index ----------------------------------------------------------------


def load(location: Path, root: Path, follow_symlinks: bool) -> Walked | None:
    """The walk saved in the index folder `location` for this root, or None (none saved, or
    another version's, or damaged: the next walk lists every folder and saves anew)."""
    try:
        data = store.read_private(location / store.WALK)
    except store.UntrustedCache:
        raise
    except OSError:
        return None
    try:
        return _decode(data, str(root), follow_symlinks)
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None


def save(location: Path, walked: Walked) -> None:
    """Write the walk (atomically) beside the catalogue it matches; the walk keeps the
    columns it was saved as (the next walk in this process compares with them)."""
    try:
        if walked.columns is None:
            walked.columns = _columns(walked.tree, walked.follow_symlinks)
        data = _encode(walked.columns, walked.base)
    except OverflowError:  # a device or inode number beyond int64: the next walk lists all
        forget(location)
        return
    store.write_atomic(location / store.WALK, data)


def forget(location: Path) -> None:
    """Remove the saved walk (the catalogue it matched is gone)."""
    (location / store.WALK).unlink(missing_ok=True)


def _columns(tree: Tree, follow_symlinks: bool) -> Columns:
    """A Tree as Columns (the files' numbers gathered at C speed: no loop per file here)."""
    folders = list(tree.folders.values())
    contents = tuple(dict.fromkeys((*tree.contents, *(folder.content for folder in folders))))
    number = {content: n for n, content in enumerate(contents)}
    files = list(chain.from_iterable(folder.files for folder in folders))
    detail = [
        [number[f.content], f.prefix, f.via_link, f.plain, f.subdirs] for f in folders
    ]  # fmt: skip
    columns = Columns(
        root=str(tree.root), follow_symlinks=follow_symlinks, plain=tree.plain,
        contents=contents, walked=len(tree.contents),
        whole=bool(tree.contents) and all(c.abspath in tree.folders for c in tree.contents),
        paths=[folder.path for folder in folders],
        stamps=array("q", chain.from_iterable(folder.stamp for folder in folders)),
        counts=array("q", [len(folder.files) for folder in folders]),
        names=_joined([*map(_SEEN_NAME, files), ""]),
        numbers=array("q", chain.from_iterable(map(_SEEN_NUMBERS, files))),
        links=bytes(map(_SEEN_LINK, files)),
        branches=[(n, a, b) for n, f in enumerate(folders) for a, b in f.branch_indexes],
        problems=[(n, p.path, p.reason) for n, f in enumerate(folders) for p in f.problems],
        detail=json.dumps(detail, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogateescape"),
    )  # fmt: skip
    columns._folders = tree.folders
    return columns


def _sections(columns: Columns) -> list[bytes]:
    return [_joined(columns.paths), columns.names, columns.stamps.tobytes(),
            columns.counts.tobytes(), columns.numbers.tobytes(), columns.links,
            columns.detail]  # fmt: skip


def _joined(texts: list[str]) -> bytes:
    return "\0".join(texts).encode("utf-8", "surrogateescape")


def _encode(columns: Columns, base: Base | None) -> bytes:
    """A JSON head (what the walk started from, the sizes of the columns, the base) and the
    columns: folder paths, file names, stamps, counts, file stats, link flags, detail."""
    if not columns.sizes:
        sections = _sections(columns)
        columns.body, columns.sizes = b"".join(sections), [len(s) for s in sections]
    head = {
        "root": columns.root,
        "follow": columns.follow_symlinks,
        "base": list(base) if base is not None else None,
        "plain": columns.plain,
        "contents": [_content_row(content) for content in columns.contents],
        "walked": columns.walked,
        "whole": columns.whole,
        "folders": len(columns.paths),
        "files": len(columns.links),
        "sizes": columns.sizes,
        "branches": columns.branches,
        "problems": columns.problems,
    }
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False)
    payload = text.encode("utf-8", "surrogateescape") + b"\n" + columns.body
    digest = hashlib.blake2b(payload, digest_size=_DIGEST).hexdigest().encode()
    return _MAGIC + digest + b"\n" + payload


def _decode(data: bytes, root: str, follow_symlinks: bool) -> Walked | None:
    head = len(_MAGIC) + 2 * _DIGEST + 1
    if not data.startswith(_MAGIC) or len(data) < head:
        return None  # none, or an older blogtui's: the next walk lists every folder
    payload = data[head:]
    digest = hashlib.blake2b(payload, digest_size=_DIGEST).hexdigest().encode()
    if not hmac.compare_digest(digest, data[len(_MAGIC) : head - 1]):
        return None
    text, _, body = payload.partition(b"\n")
    top = json.loads(text.decode("utf-8", "surrogateescape"))
    if type(top) is not dict or top["root"] != root or top["follow"] is not follow_symlinks:
        return None
    folders, files, sizes = _int(top["folders"]), _int(top["files"]), top["sizes"]
    if not _ints(sizes, 7) or min(sizes) < 0 or sum(sizes) != len(body):
        raise ValueError("the columns are not as long as the head says")
    sections, at = [], 0
    for size in sizes:
        sections.append(body[at : at + size])
        at += size
    stamps, counts, numbers = array("q"), array("q"), array("q")
    for numbers_of, section, width in ((stamps, 2, 4), (counts, 3, 1), (numbers, 4, 5)):
        numbers_of.frombytes(sections[section])
        if len(numbers_of) != width * (folders if section < 4 else files):
            raise ValueError("a column is not as long as the head says")
    if sum(counts) != files or (counts and min(counts) < 0) or len(sections[5]) != files:
        raise ValueError("the folders do not hold every file")
    if sections[1].count(b"\0") != files or (files and not sections[1].endswith(b"\0")):
        raise ValueError("the folders do not hold every file")
    contents = tuple(_content(row) for row in top["contents"])
    walked, base = _int(top["walked"]), top["base"]
    if walked > len(contents):
        raise ValueError("more content folders walked than known")
    columns = Columns(
        root=root, follow_symlinks=follow_symlinks, plain=top["plain"] is True,
        contents=contents, walked=walked, whole=top["whole"] is True,
        paths=_split(sections[0], folders), stamps=stamps, counts=counts,
        names=sections[1], numbers=numbers, links=sections[5],
        branches=[_numbered(row, folders) for row in top["branches"]],
        problems=[_numbered(row, folders) for row in top["problems"]],
        detail=sections[6], body=body, sizes=sizes,
    )  # fmt: skip
    known = (_int(base[0]), _int(base[1])) if base is not None else None
    return Walked(None, known, follow_symlinks, columns)


def _split(section: bytes, count: int) -> list[str]:
    texts = section.decode("utf-8", "surrogateescape").split("\0") if count else []
    if len(texts) != count or (count and not section):
        raise ValueError("the names do not match the count")
    return texts


def _numbered(row: list[Any], folders: int) -> tuple[int, str, str]:
    number, a, b = row
    return _index(number, folders), _str(a), _str(b)


def _detail_rows(columns: Columns) -> list[Any]:
    rows = json.loads(columns.detail.decode("utf-8", "surrogateescape"))
    if type(rows) is not list or len(rows) != len(columns.paths):
        raise ValueError("not a row for each folder")
    return rows


def _folders(columns: Columns) -> dict[str, Folder]:
    """The Folders the columns describe (the detail checked as it is decoded)."""
    rows = columns._rows if columns._rows is not None else _detail_rows(columns)
    n, s = columns.numbers, columns.stamps
    links = map(bool, columns.links)
    seen = list(zip(columns.file_names(), n[0::5], n[1::5], n[2::5], n[3::5], n[4::5], links,
                    strict=True))  # fmt: skip
    stamps = zip(s[0::4], s[1::4], s[2::4], s[3::4], strict=True)
    branches: dict[int, list[tuple[str, str]]] = {}
    for number, a, b in columns.branches:
        branches.setdefault(number, []).append((a, b))
    problems: dict[int, list[Problem]] = {}
    for number, path, reason in columns.problems:
        problems.setdefault(number, []).append(Problem(path, reason))
    folders: dict[str, Folder] = {}
    offset = 0
    for number, (path, stamp, count, row) in enumerate(
        zip(columns.paths, stamps, columns.counts, rows, strict=True)
    ):
        held = tuple(seen[offset : offset + count])
        folder = _folder(columns, number, row, held, branches.get(number, ()),
                         problems.get(number, ()), stamp)  # fmt: skip
        folders[path] = folder
        offset += count
    return folders


def _folder(
    columns: Columns, number: int, row: Any, files: tuple[Seen, ...],
    branches: Iterable[tuple[str, str]], problems: Iterable[Problem],
    stamp: Stamp | None = None,
) -> Folder:  # fmt: skip
    content, prefix, via_link, plain, subdirs = row
    if stamp is None:
        dev, ino, mtime, ctime = columns.stamps[4 * number : 4 * number + 4]
        stamp = (dev, ino, mtime, ctime)
    return Folder(
        columns.paths[number], stamp, columns.contents[_index(content, len(columns.contents))],
        _str(prefix), via_link is True, files, tuple(map(_sub, subdirs)) if subdirs else (),
        tuple(branches), tuple(problems), plain is True,
    )  # fmt: skip


def _content_row(c: Content) -> list[Any]:
    return [c.abspath, c.prefix, c.content_prefix, c.jekyll, c.site_root]


def _content(row: list[Any]) -> Content:
    abspath, prefix, content_prefix, jekyll, site_root = row
    return Content(_str(abspath), _str(prefix), _str(content_prefix), jekyll is True,
                   site_root is True)  # fmt: skip


def _ints(values: Any, count: int) -> bool:
    return type(values) is list and len(values) == count and set(map(type, values)) <= {int}


def _sub(row: list[Any]) -> Sub:
    name, link, dev, ino = row
    if type(name) is not str or type(dev) is not int or type(ino) is not int:
        raise TypeError("not a subfolder row")
    return (name, link is True, dev, ino)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("not text")
    return value


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError("not a count")
    return value


def _index(value: Any, count: int) -> int:
    if type(value) is not int or not 0 <= value < count:
        raise TypeError("not a folder's number")
    return value
