"""Walk an archive folder by Hugo/Jekyll/Zola/Astro rules into Posts and per-file Problems."""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from blogtui.model import CANONICAL_FIELDS, MARKDOWN_SUFFIXES, Post, Problem, term_key, tidy_term
from blogtui.site import NO_SITE, Site, read_site

_LEAF_NAMES = frozenset(f"index{suffix}" for suffix in MARKDOWN_SUFFIXES)
_BY_NAME = attrgetter("name")
_BY_PATH = attrgetter("path")
_BY_SOURCE_PATH = attrgetter("source.path")
_SKIP_ALWAYS = frozenset({"node_modules", "__pycache__"})
# Folders of a site root that hold templates, themes or build output, never posts.
_SITE_SKIP = frozenset(
    {"public", "resources", "themes", "archetypes", "layouts", "static", "assets", "data",
     "i18n", "_site", "vendor", "node_modules", "dist", "templates", "sass"}
)  # fmt: skip
_SITE_FILES_SKIP = frozenset({"readme", "license", "licence", "changelog", "contributing"})
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml",
                 "config.yaml", "config.yml", "config.json")  # fmt: skip
_JEKYLL_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")
_ASTRO_CONFIGS = ("astro.config.mjs", "astro.config.js", "astro.config.ts", "astro.config.mts")


# The classes here are plain classes with __slots__ (or named tuples), not dataclasses:
# making a dataclass costs 0.3-0.5 ms at import, and every command imports this module
# (its ten took 4.3 ms of a 0.12 s warm search).

#: Files above this size are read only this far (the rest is reported, not loaded).
MAX_BYTES = 10 * 1024 * 1024


class ArchiveError(Exception):
    """The archive itself cannot be read (missing, not a folder): one readable line."""


class SourceFile:
    """One candidate post file found by `scan`, known by stat alone (nothing read yet).

    Built as `SourceFile(path, abspath, mtime_ns, size, content_path="")`; where to read it
    is kept as text (`location`), and `abspath` makes the Path only when asked: a scan of
    10,000 files spent a fifth of its time building Paths nobody looked at. A scan's files
    (`in_folder`) keep their folder's text, shared, and their name, and make `location` when
    asked: a build of 100,000 posts held 13 MB of locations made whole. A value: equal when
    every field is, hashable, and not to be changed once made.
    """

    __slots__ = ("_base", "_name", "content_path", "mtime_ns", "path", "size")

    path: str  # relative to the archive root, POSIX
    mtime_ns: int
    size: int
    #: The same file relative to the site's content folder ("" means same as `path`).
    content_path: str
    _base: str  # `location` is _base + _name
    _name: str

    def __init__(
        self, path: str, abspath: Path | str, mtime_ns: int, size: int, content_path: str = ""
    ) -> None:
        set_field = object.__setattr__  # (frozen: __setattr__ refuses)
        set_field(self, "path", path)
        set_field(self, "_base", os.fspath(abspath))
        set_field(self, "_name", "")
        set_field(self, "mtime_ns", mtime_ns)
        set_field(self, "size", size)
        set_field(self, "content_path", content_path)

    @classmethod
    def in_folder(
        cls, path: str, folder: str, name: str, mtime_ns: int, size: int, content_path: str
    ) -> SourceFile:
        """The file `name` in `folder` (its text, ending in a separator): `location` is
        made from the two when asked."""
        source = cls(path, folder, mtime_ns, size, content_path)
        object.__setattr__(source, "_name", name)
        return source

    @property
    def location(self) -> str:
        """Where to read it: the absolute path as text."""
        return self._base + self._name

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SourceFile is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"SourceFile is frozen: cannot delete {name!r}")

    def _fields(self) -> tuple[str, str, int, int, str]:
        return self.path, self.location, self.mtime_ns, self.size, self.content_path

    def __reduce__(self) -> tuple[type[SourceFile], tuple[str, str, int, int, str]]:
        return SourceFile, self._fields()  # (build workers are sent them pickled)

    def __eq__(self, other: object) -> bool:
        if type(other) is not SourceFile:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"SourceFile(path={self.path!r}, location={self.location!r}, "
                f"mtime_ns={self.mtime_ns!r}, size={self.size!r}, "
                f"content_path={self.content_path!r})")  # fmt: skip

    @property
    def abspath(self) -> Path:
        """Where to read the file, as a Path."""
        return Path(self.location)


class Scan:
    """The result of a stat-only walk: candidate post files and problems met on the way."""

    __slots__ = ("files", "problems", "root", "site")

    def __init__(
        self,
        root: Path,
        files: list[SourceFile] | None = None,
        problems: list[Problem] | None = None,
        site: Site = NO_SITE,
    ) -> None:
        self.root = root
        self.files: list[SourceFile] = [] if files is None else files
        self.problems: list[Problem] = [] if problems is None else problems
        #: What the site's config, authors file and `_index.md` cascades say (blogtui.site).
        self.site = site


class Archive:
    """Every post of an archive (newest first, undated last) and the problems met."""

    __slots__ = ("posts", "problems", "root")

    def __init__(
        self, root: Path, posts: list[Post] | None = None, problems: list[Problem] | None = None
    ) -> None:
        self.root = root
        self.posts: list[Post] = [] if posts is None else posts
        self.problems: list[Problem] = [] if problems is None else problems


class Content(NamedTuple):
    """A folder to walk: where it is, its archive-relative prefix, and the site's rules."""

    abspath: str
    prefix: str  # archive-relative POSIX path of the folder ("" for the root)
    content_prefix: str  # the part of `prefix` above the content root
    jekyll: bool  # Jekyll site root: underscore folders other than _posts/_drafts are not content
    site_root: bool  # skip template/build folders and README-like files at the top


#: A post file as a scan saw it: (name, st_dev, st_ino, st_mtime_ns, st_size, st_ctime_ns,
#: reached through a symlink entry). A ctime of -1 means "look again" (see RACY_NS).
Seen = tuple[str, int, int, int, int, int, bool]
#: A subfolder to walk: (name, its entry is a symlink, st_dev, st_ino).
Sub = tuple[str, bool, int, int]
#: A folder's (st_dev, st_ino, st_mtime_ns, st_ctime_ns); an mtime of -1 never matches.
Stamp = tuple[int, int, int, int]
#: A file system that keeps whole seconds (FAT, HFS+, ext3, some network mounts) cannot
#: tell two changes within the same second apart: a stat of it taken less than this (ns)
#: after its times is not trusted, and the next scan looks again. Nanosecond times change
#: with every write (Linux stamps them from a clock of a few ms a tick).
RACY_NS = 2_000_000_000
#: The time kept for a stat not to be trusted: it never matches a real one.
UNTRUSTED = -1


class Folder(NamedTuple):
    """One folder as a scan walked it; the next scan reuses it while its stamp holds.

    A named tuple: a saved walk of 100,000 posts makes 15,000 of them on every command,
    and a frozen dataclass took 0.14 s of CPU to do it.
    """

    path: str  # where it is (absolute, or below the root as given)
    stamp: Stamp
    content: Content
    prefix: str  # archive-relative POSIX path
    via_link: bool  # reached through a symlink somewhere above
    files: tuple[Seen, ...] = ()
    subdirs: tuple[Sub, ...] = ()
    #: The `_index.*` files in it: (content-relative, archive-relative) paths.
    branch_indexes: tuple[tuple[str, str], ...] = ()
    problems: tuple[Problem, ...] = ()
    #: No symlink in it, and not reached through one: each file has this one path here
    #: (unless hard-linked elsewhere in the archive: `Tree.plain` asks that).
    plain: bool = True

    def rel(self, name: str) -> str:
        """The archive-relative path of the entry `name` in this folder."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def source(self, seen: Seen) -> SourceFile:
        """One of its files as a SourceFile."""
        return self.sources((seen,))[0]

    def sources(self, files: Iterable[Seen] | None = None) -> list[SourceFile]:
        """Its files (or these of them) as SourceFiles; the per-folder parts worked out once."""
        prefix = f"{self.prefix}/" if self.prefix else ""
        cut = len(self.content.content_prefix) + 1 if self.content.content_prefix else 0
        base, inside = _slashed(self.path), prefix[cut:] if cut else None
        return [
            SourceFile.in_folder(
                prefix + s[0], base, s[0], s[3], s[4], "" if inside is None else inside + s[0]
            )
            for s in (self.files if files is None else files)
        ]


class Reuse:
    """What a scan may take from the previous one (`Tree.folders`) instead of listing again.

    With `touched` None a folder is listed again when its stamp changed (an entry added,
    removed or renamed changes its folder's mtime) and every file of the others is stat-ed
    (an edit in place changes only the file). With `touched` (the paths file-system events
    named) only those folders are listed and those files stat-ed; the others are trusted.
    """

    __slots__ = ("folders", "parents", "touched")

    def __init__(
        self, folders: Mapping[str, Folder], touched: frozenset[str] | None = None
    ) -> None:
        self.folders = folders
        self.touched = touched
        #: The folders the `touched` paths are in (only their files are looked for by name).
        self.parents: frozenset[str] = (
            frozenset() if touched is None else frozenset(map(os.path.dirname, touched))
        )


class Tree:
    """A walk of the archive: every folder as it was seen, in walk order, and the Site."""

    __slots__ = ("_plain", "contents", "folders", "problems", "root", "site")

    def __init__(
        self,
        root: Path,
        folders: dict[str, Folder],
        problems: list[Problem],
        site: Site,
        contents: tuple[Content, ...] = (),
        _plain: bool | None = None,
    ) -> None:
        self.root, self.folders, self.problems, self.site = root, folders, problems, site
        #: The content folders, as `content_folders` gave them for this walk.
        self.contents = contents
        #: Whether every file has one path (None: worked out on first use, see `plain`).
        self._plain = _plain

    @property
    def plain(self) -> bool:
        """No symlink and no two paths to one file anywhere: each folder's files are its own.

        Files hard-linked outside the archive (a backup, a copy made with `cp -al`) count
        as plain: only two paths inside it to one file need choosing between.
        """
        if self._plain is None:
            folders = self.folders.values()
            count = sum(len(folder.files) for folder in folders)
            self._plain = all(folder.plain for folder in folders) and count == len(
                {(seen[1], seen[2]) for folder in folders for seen in folder.files}
            )
        return self._plain

    def files(self) -> list[SourceFile]:
        """Every post file once, by path (see `_unique`)."""
        if not self.plain:
            return [found.source for found in self.found()]
        files = [source for folder in self.folders.values() for source in folder.sources()]
        files.sort(key=_BY_PATH)
        return files

    def found(self) -> list[_Found]:
        """Every post file once, by path, with what the walk saw of it."""
        found = [
            _Found(folder.source(seen), (seen[1], seen[2]), folder.via_link or seen[6], seen)
            for folder in self.folders.values()
            for seen in folder.files
        ]
        return _unique(found)

    def scan(self) -> Scan:
        """The walk as a Scan: its files by path."""
        return Scan(root=self.root, files=self.files(), problems=self.problems, site=self.site)


class _Task(NamedTuple):
    """A folder waiting to be walked."""

    content: Content
    folder: str  # absolute path
    prefix: str  # archive-relative POSIX path
    via_link: bool  # reached through a symlink somewhere above
    key: tuple[int, int]  # (st_dev, st_ino) of the real folder


class _Found:
    __slots__ = ("key", "seen", "source", "via_link")

    def __init__(
        self, source: SourceFile, key: tuple[int, int], via_link: bool, seen: Seen | None = None
    ) -> None:
        self.source = source
        self.key = key  # (st_dev, st_ino) of the real file
        self.via_link = via_link
        self.seen = seen


class _Walk:
    """State of one scan: the real root, what has been visited, what was found."""

    __slots__ = ("branch_indexes", "deferred", "folders", "follow_symlinks", "problems",
                 "real_root", "reuse", "seen_dirs", "started_ns")  # fmt: skip

    def __init__(
        self, real_root: str, follow_symlinks: bool, reuse: Reuse | None = None, started_ns: int = 0
    ) -> None:
        self.real_root, self.follow_symlinks = real_root, follow_symlinks
        self.reuse, self.started_ns = reuse, started_ns
        self.seen_dirs: set[tuple[int, int]] = set()
        self.folders: dict[str, Folder] = {}
        self.problems: list[Problem] = []
        self.deferred: list[_Task] = []
        #: The `_index.*` files met: (content-relative, archive-relative) paths.
        self.branch_indexes: list[tuple[str, str]] = []


class _Listing:
    """What listing one folder found (becomes its Folder)."""

    __slots__ = ("branch_indexes", "files", "plain", "problems", "subdirs")

    def __init__(self) -> None:
        self.files: list[Seen] = []
        self.subdirs: list[Sub] = []
        self.branch_indexes: list[tuple[str, str]] = []
        self.problems: list[Problem] = []
        self.plain = True


# --- scanning ---------------------------------------------------------------------------------


def scan(root: Path, *, follow_symlinks: bool = False) -> Scan:
    """Find the archive's post files by stat alone (no file is read). Raises ArchiveError."""
    return walk_tree(root, follow_symlinks=follow_symlinks).scan()


def walk_tree(root: Path, *, follow_symlinks: bool = False, reuse: Reuse | None = None) -> Tree:
    """Walk the archive by stat, listing only the folders `reuse` does not vouch for (all of
    them without it); the Tree the next walk can reuse. Raises ArchiveError."""
    root = Path(root)
    check_root(root)
    walk = _Walk(os.path.realpath(root), follow_symlinks, reuse, time.time_ns())
    contents = content_folders(root)
    for content in contents:
        _walk_content(walk, content)
    site = read_site(root, [c.prefix for c in contents], walk.branch_indexes)
    return Tree(root, walk.folders, walk.problems, site, tuple(contents))


def check_root(root: Path) -> None:
    """Raise ArchiveError unless `root` is a folder that can be stat-ed."""
    try:
        info = os.stat(root)
    except OSError as error:
        raise ArchiveError(f"{root}: {error.strerror or error}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ArchiveError(f"{root}: not a folder")


def content_folders(root: Path) -> list[Content]:
    """The folders holding posts: a site root's content folder(s), else the root itself."""
    top = str(root)
    names = set(os.listdir(top)) if os.access(top, os.R_OK) else set()
    if names & set(_JEKYLL_CONFIGS):
        return [Content(top, "", "", jekyll=True, site_root=True)]
    dirs = (
        _hugo_content_dirs(root, names)
        if names & set(_HUGO_CONFIGS) or "zola.toml" in names
        else []
    )
    if not dirs and any(name in names for name in _ASTRO_CONFIGS):
        dirs = ["src/content"]
    if not dirs and "content" in names and os.path.isdir(root / "config" / "_default"):
        dirs = ["content"]
    found = [d for d in dict.fromkeys(dirs) if os.path.isdir(root / d)]
    if found:
        return [Content(str(root / d), d, d, jekyll=False, site_root=False) for d in found]
    site = bool(names & {*_HUGO_CONFIGS, "zola.toml", *_ASTRO_CONFIGS})
    return [Content(top, "", "", jekyll=False, site_root=site)]


def _hugo_content_dirs(root: Path, names: set[str]) -> list[str]:
    """Hugo's contentDir (also per language), default `content`; Zola always uses `content`."""
    dirs: list[str] = []
    for name in _HUGO_CONFIGS:
        if name in names:
            dirs.extend(_config_content_dirs(root / name))
            break
    return dirs or ["content"]


def _config_content_dirs(config: Path) -> list[str]:
    """`contentDir` values in a Hugo config file (top level and under `languages`)."""
    if config.suffix == ".json":
        return []
    import tomllib  # here: a command that finds its walk unchanged reads no config

    try:
        text = config.read_text(encoding="utf-8", errors="replace")
        data = tomllib.loads(text) if config.suffix == ".toml" else _load_yaml(text)
    except (OSError, ValueError, RecursionError):  # (TOMLDecodeError is a ValueError)
        return []
    if not isinstance(data, dict):
        return []
    values = [data.get("contentDir")]
    languages = data.get("languages")
    if isinstance(languages, dict):
        values += [lang.get("contentDir") for lang in languages.values() if isinstance(lang, dict)]
    return [v.strip("/") for v in values if isinstance(v, str) and v.strip("/")]


def _load_yaml(text: str) -> object:
    """A YAML config file's data; ValueError if it is not YAML. PyYAML is imported here only:
    a scan of any other archive never needs it."""
    import yaml

    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def _walk_content(walk: _Walk, content: Content) -> None:
    """Depth-first walk; symlinked folders wait until the real tree is done (real paths win).

    A folder is marked seen when it is walked, so each real folder is walked once and a
    link back to an ancestor (a loop) finds its target already seen.
    """
    try:
        info = os.stat(content.abspath)
    except OSError as error:
        walk.problems.append(Problem(content.prefix or ".", f"cannot read: {error.strerror}"))
        return
    stack = [_Task(content, content.abspath, content.prefix, False, (info.st_dev, info.st_ino))]
    while stack or walk.deferred:
        task = stack.pop() if stack else walk.deferred.pop(0)
        if task.key in walk.seen_dirs:
            continue
        walk.seen_dirs.add(task.key)
        stack.extend(reversed(_visit(walk, task)))


def _visit(walk: _Walk, task: _Task) -> list[_Task]:
    """Take one folder (reused or listed again); return its real subfolders to walk next."""
    folder = _reused(walk, task) or _list_folder(walk, task)
    walk.folders[task.folder] = folder
    walk.problems.extend(folder.problems)
    walk.branch_indexes.extend(folder.branch_indexes)
    base = f"{task.prefix}/" if task.prefix else ""
    subdirs: list[_Task] = []
    for name, link, dev, ino in folder.subdirs:
        sub = _Task(task.content, os.path.join(task.folder, name), base + name,
                    task.via_link or link, (dev, ino))  # fmt: skip
        (walk.deferred if link else subdirs).append(sub)
    return subdirs


def _reused(walk: _Walk, task: _Task) -> Folder | None:
    """The previous walk's record of this folder, if it still holds (files re-stat-ed)."""
    reuse = walk.reuse
    old = reuse.folders.get(task.folder) if reuse is not None else None
    if old is None or reuse is None:
        return None
    if (old.content, old.prefix, old.via_link) != (task.content, task.prefix, task.via_link):
        return None
    if reuse.touched is not None and not task.via_link:  # events name what changed
        if task.folder in reuse.touched:
            return None
        if task.folder not in reuse.parents and not task.folder.endswith(os.sep):
            return old  # no file of it named (a path in it would have it as its dirname)
        named = reuse.touched
        return _restat(old, [s for s in old.files if os.path.join(old.path, s[0]) in named])
    try:
        info = os.stat(task.folder)
    except OSError:
        return None  # listing it again says why
    if (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns) != old.stamp:
        return None
    return _restat(old, old.files)


def _restat(old: Folder, files: Iterable[Seen]) -> Folder | None:
    """`old` with fresh stats of `files`; None (list it again) if one is gone or not a file.

    The loop every command runs over every known post: one stat each, compared in place.
    """
    changed: dict[str, Seen] = {}
    base, look = _slashed(old.path), os.stat
    for seen in files:
        try:
            info = look(base + seen[0])
        except OSError:
            return None
        if (
            info.st_mtime_ns != seen[3]
            or info.st_size != seen[4]
            or info.st_ctime_ns != seen[5]
            or info.st_ino != seen[2]
        ):
            if not stat.S_ISREG(info.st_mode):
                return None
            changed[seen[0]] = seen_stat(seen[0], info, seen[6], time.time_ns())
    if not changed:
        return old
    files = tuple(changed.get(seen[0], seen) for seen in old.files)
    return old._replace(files=files)


def _slashed(folder: str) -> str:
    """The folder's path ready to have a name added (what os.path.join would make)."""
    return folder if folder.endswith(os.sep) else folder + os.sep


def seen_stat(name: str, info: os.stat_result, link: bool, now_ns: int) -> Seen:
    """A file's stat as a walk keeps it; too recent a change is kept as untrusted."""
    ctime = UNTRUSTED if _racy(info, now_ns) else info.st_ctime_ns
    return (name, info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size, ctime, link)


def _racy(info: os.stat_result, now_ns: int) -> bool:
    """Whether a change made after this stat could leave the same times (RACY_NS)."""
    if info.st_mtime_ns % 1_000_000_000 or info.st_ctime_ns % 1_000_000_000:
        return False  # nanosecond times: any later write moves them
    return max(info.st_mtime_ns, info.st_ctime_ns) > now_ns - RACY_NS


def list_again(folder: Folder, root: Path, *, follow_symlinks: bool = False) -> Folder:
    """`folder` (of a walk of `root`) listed again as a walk would list it now."""
    walk = _Walk(os.path.realpath(root), follow_symlinks, None, time.time_ns())
    key = (folder.stamp[0], folder.stamp[1])
    return _list_folder(
        walk, _Task(folder.content, folder.path, folder.prefix, folder.via_link, key)
    )


def _list_folder(walk: _Walk, task: _Task) -> Folder:
    """List one folder: record its post files; note its real subfolders.

    This runs for every folder a walk cannot reuse, so the common case (a plain file or
    folder, not a link) is decided from the directory entry's type without a stat, and only
    a post file or a folder that will be walked is stat-ed, once. The folder is stat-ed
    before it is listed: a change made while it is listed leaves a newer stamp.
    """
    found = _Listing()
    try:
        info = os.stat(task.folder)
        stamp = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
        if _racy(info, walk.started_ns):
            stamp = (info.st_dev, info.st_ino, UNTRUSTED, UNTRUSTED)
        with os.scandir(task.folder) as it:
            entries = sorted(it, key=_BY_NAME)
    except OSError as error:
        problem = Problem(task.prefix or ".", f"cannot read folder: {error.strerror}")
        untrusted = (*task.key, UNTRUSTED, UNTRUSTED)
        return Folder(task.folder, untrusted, task.content, task.prefix, task.via_link,
                      problems=(problem,))  # fmt: skip
    _list_entries(walk, task, entries, found)
    return Folder(task.folder, stamp, task.content, task.prefix, task.via_link,
                  tuple(found.files), tuple(found.subdirs), tuple(found.branch_indexes),
                  tuple(found.problems), found.plain and not task.via_link)  # fmt: skip


def _list_entries(
    walk: _Walk, task: _Task, entries: list[os.DirEntry[str]], found: _Listing
) -> None:
    content = task.content
    at_top = task.folder == content.abspath
    leaf = not at_top and not content.jekyll and any(e.name in _LEAF_NAMES for e in entries)
    prefix = f"{task.prefix}/" if task.prefix else ""
    for entry in entries:
        name = entry.name
        if _skipped(name, content, at_top):
            continue
        try:
            link = entry.is_symlink()
            # A plain entry's type comes from the folder listing; a link's needs a real stat.
            if not link and not _may_matter(entry, name, leaf):
                continue
        except OSError as error:
            found.problems.append(Problem(prefix + name, f"cannot stat: {error.strerror}"))
            continue
        rel = prefix + name
        kind = _kind(walk, entry, rel, link, found.problems)
        if kind is None:
            continue
        is_dir, info = kind
        if link:
            found.plain = False
        if is_dir and not leaf:
            found.subdirs.append((name, link, info.st_dev, info.st_ino))
        elif not is_dir and _is_branch_index(name):
            found.branch_indexes.append((_content_relative(rel, content), rel))
        elif not is_dir and (not link or _is_post_name(name, leaf)):
            found.files.append(seen_stat(name, info, link, walk.started_ns))


def _is_branch_index(name: str) -> bool:
    lower = name.lower()
    return lower.startswith("_index.") and lower.endswith(MARKDOWN_SUFFIXES)


def _content_relative(rel: str, content: Content) -> str:
    cut = len(content.content_prefix) + 1 if content.content_prefix else 0
    return rel[cut:]


def _may_matter(entry: os.DirEntry[str], name: str, leaf: bool) -> bool:
    """A folder to walk (none below a leaf bundle: all that is its resources) or a post file."""
    if entry.is_dir(follow_symlinks=False):
        return not leaf
    return _is_post_name(name, leaf) or _is_branch_index(name)


def _skipped(name: str, content: Content, at_top: bool) -> bool:
    """Hidden folders and files, node_modules, and a site root's non-content folders."""
    if name.startswith(".") or name in _SKIP_ALWAYS:
        return True
    if content.jekyll and name.startswith("_") and name not in ("_posts", "_drafts"):
        return True  # Jekyll reads neither underscore folders nor underscore files
    if at_top and (content.site_root or content.jekyll):
        stem = name.rpartition(".")[0].lower() or name.lower()
        return name in _SITE_SKIP or stem in _SITE_FILES_SKIP
    return False


def _kind(
    walk: _Walk, entry: os.DirEntry[str], rel: str, link: bool, problems: list[Problem]
) -> tuple[bool, os.stat_result] | None:
    """(is a folder, its stat), or None to pass it over (not allowed, not a file or folder)."""
    try:
        if link and not _link_allowed(walk, entry, rel, problems):
            return None
        info = entry.stat()
    except OSError as error:
        problems.append(Problem(rel, f"cannot stat: {error.strerror}"))
        return None
    if stat.S_ISDIR(info.st_mode):
        return True, info
    if stat.S_ISREG(info.st_mode):
        return False, info
    return None


def _link_allowed(walk: _Walk, entry: os.DirEntry[str], rel: str, problems: list[Problem]) -> bool:
    """Follow a link inside the archive; outside only with follow_symlinks; report the rest."""
    target = os.path.realpath(entry.path)
    if not os.path.exists(target):
        if entry.name.lower().endswith(MARKDOWN_SUFFIXES) or not Path(entry.name).suffix:
            problems.append(Problem(rel, "dangling symlink"))
        return False
    inside = target == walk.real_root or target.startswith(walk.real_root + os.sep)
    if inside or walk.follow_symlinks:
        return True
    if os.path.isdir(target) or entry.name.lower().endswith(MARKDOWN_SUFFIXES):
        problems.append(
            Problem(
                rel,
                f"symlink to {target}, outside the archive: not followed; use --follow-symlinks",
            )
        )
    return False


def _is_post_name(name: str, leaf: bool) -> bool:
    """A markdown file that is a page: not `_index.*`; in a leaf bundle only `index.*`."""
    lower = name.lower()
    if not lower.endswith(MARKDOWN_SUFFIXES) or lower.startswith("_index."):
        return False
    return not leaf or lower in _LEAF_NAMES


def _unique(found: list[_Found]) -> list[_Found]:
    """Each real file once: its own path beats a path through a link, then the first by path."""
    if not any(item.via_link for item in found) and len({item.key for item in found}) == len(found):
        return sorted(found, key=_BY_SOURCE_PATH)  # no link, no hard link
    best: dict[tuple[int, int], _Found] = {}
    for item in sorted(found, key=lambda item: (item.via_link, item.source.path)):
        best.setdefault(item.key, item)
    return sorted(best.values(), key=_BY_SOURCE_PATH)


# --- reading ----------------------------------------------------------------------------------


def read_post(
    source: SourceFile, *, now: datetime | None = None, site: Site = NO_SITE
) -> tuple[Post | None, list[Problem]]:
    """Read and parse one file: a Post (with what could be read) and its problems, or None."""
    # Imported here: the parser pulls in PyYAML and python-frontmatter, which a stat-only
    # scan does not need.
    from blogtui.parse import parse_post

    data, extra = _read_source(source)
    if data is None:
        return None, extra
    post, problems = parse_post(
        data, source.path, now=now, content_path=source.content_path or None, site=site
    )
    return post, extra + problems


def read_body(source: SourceFile) -> str | None:
    """One file's body as `read_post` gives it, its front matter split off and not parsed
    (no YAML parser imported: a search's snippets); None when it cannot be read."""
    from blogtui import fences

    data, _problems = _read_source(source)
    return None if data is None else fences.body_of(fences.decoded(data, []))


def _read_source(source: SourceFile) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes (the first 10 MB of a bigger one, and a problem saying so), or None
    and why it cannot be read."""
    try:
        data = _read_regular_file(source.location)
    except _NotAFile:
        return None, [Problem(source.path, "no longer a regular file; skipped")]
    except FileNotFoundError:
        return None, [Problem(source.path, "file disappeared since the folder was scanned")]
    except IsADirectoryError:
        return None, [Problem(source.path, "is a folder, not a file")]
    except OSError as error:
        return None, [Problem(source.path, f"cannot read: {error.strerror or error}")]
    if len(data) > MAX_BYTES:
        problem = Problem(source.path, "larger than 10 MB; only the first 10 MB were read")
        return _cut_utf8(data[:MAX_BYTES]), [problem]
    return data, []


class _NotAFile(Exception):
    """The path no longer names a regular file (a FIFO or device swapped in after the scan)."""


def _read_regular_file(path: str) -> bytes:
    """Up to MAX_BYTES + 1 bytes; opened non-blocking so a FIFO swapped in cannot hang us.

    Unbuffered, and asking for the size fstat gives (plus one byte, to notice growth):
    `read(MAX_BYTES + 1)` allocates 10 MB for every file, which tripled the cost of reading.
    """
    with open(path, "rb", buffering=0, opener=_open_nonblocking) as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotAFile
        data = handle.read(min(info.st_size, MAX_BYTES) + 1)
        if len(data) > info.st_size and len(data) <= MAX_BYTES:  # it grew since fstat
            data += handle.read(MAX_BYTES + 1 - len(data))
        return data


def _open_nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def _cut_utf8(data: bytes) -> bytes:
    """Drop a UTF-8 sequence cut in half at the end, so the cut is not reported as bad bytes."""
    end = len(data)
    while end > 0 and end > len(data) - 4 and data[end - 1] & 0xC0 == 0x80:
        end -= 1
    if end > 0 and data[end - 1] >= 0xC0:
        end -= 1
    return data[:end]


def load(root: Path, *, follow_symlinks: bool = False, now: datetime | None = None) -> Archive:
    """Scan and read a whole archive; terms take their canonical spellings. Raises ArchiveError."""
    found = scan(root, follow_symlinks=follow_symlinks)
    moment = now or datetime.now(UTC)
    posts: list[Post] = []
    problems = list(found.problems)
    for source in found.files:
        post, trouble = read_post(source, now=moment, site=found.site)
        problems.extend(trouble)
        if post is not None:
            posts.append(post)
    posts = canonicalise(posts)
    posts.sort(key=Post.sort_key)
    return Archive(root=found.root, posts=posts, problems=problems)


# --- canonical spellings ----------------------------------------------------------------------


def canonicalise(posts: Iterable[Post]) -> list[Post]:
    """Posts with every taxonomy term (and author) in its archive-wide display spelling.

    Spellings that match by `term_key` merge to the most frequent one (ties: first by path),
    separately for each term field of the Post (model.CANONICAL_FIELDS) and each other
    taxonomy; duplicates within a post are dropped. The posts come back in the order given.
    """
    given = list(posts)
    by_path = sorted(given, key=lambda post: post.path)
    fields = [name for name in CANONICAL_FIELDS if name != "taxonomies"]
    spellers = {name: _speller(getattr(post, name) for post in by_path) for name in fields}
    names = sorted({name for post in by_path for name in post.taxonomies})
    taxonomies = {
        name: _speller(post.taxonomies.get(name, ()) for post in by_path) for name in names
    }
    return [_respell(post, spellers, taxonomies) for post in given]


def _speller(term_lists: Iterable[tuple[str, ...]]) -> dict[str, str]:
    """term -> canonical spelling, only for the terms whose spelling changes.

    The canonical spelling of a term key is its most frequent tidy spelling, ties to the
    first seen; each distinct string is keyed and tidied once: an archive repeats a few
    hundred terms hundreds of thousands of times.
    """
    counts = Counter(chain.from_iterable(term_lists))  # insertion order is first-seen order
    choices = spelling_choices({term: (n, order) for order, (term, n) in enumerate(counts.items())})
    assert choices is not None  # every order is known
    return choices


def spelling_choices(counts: Mapping[str, tuple[int, Any]]) -> dict[str, str] | None:
    """term -> canonical spelling (only the terms whose spelling changes), from each distinct
    term's count and where it is first seen (any comparable value; None when unknown).

    The rule of `canonicalise`: most frequent tidy spelling of a term key, ties to the one
    seen first. None when a tie would be decided by an unknown order (count again).
    """
    keys = {term: term_key(term) for term in counts}
    pairs: dict[tuple[str, str], tuple[int, Any]] = {}
    for term, (count, order) in counts.items():
        pair = (keys[term], tidy_term(term))
        if pair in pairs:
            seen, first = pairs[pair]
            both_known = first is not None and order is not None
            pairs[pair] = (seen + count, min(first, order) if both_known else None)
        else:
            pairs[pair] = (count, order)
    best: dict[str, tuple[int, Any, str]] = {}
    for (key, spelling), (count, order) in pairs.items():
        rival = best.get(key)
        if rival is not None and rival[0] == -count and None in (rival[1], order):
            return None  # equally frequent spellings, and which came first is not known
        if rival is None or (-count, order, spelling) < rival:
            best[key] = (-count, order, spelling)
    return {term: best[key][2] for term, key in keys.items() if best[key][2] != term}


def _respell(
    post: Post, spellers: dict[str, dict[str, str]], taxonomy_spellers: dict[str, dict[str, str]]
) -> Post:
    """The post with canonical spellings; the same object when nothing changes."""
    changed: dict[str, Any] = {}  # field name -> respelled terms
    for name, speller in spellers.items():
        terms = getattr(post, name)
        if (respelled := _spell(terms, speller)) is not terms:
            changed[name] = respelled
    taxonomies = {
        name: _spell(terms, taxonomy_spellers[name]) for name, terms in post.taxonomies.items()
    }
    if any(taxonomies[name] is not terms for name, terms in post.taxonomies.items()):
        changed["taxonomies"] = taxonomies
    return replace(post, **changed) if changed else post


def respell_terms(terms: tuple[str, ...], respell: Mapping[str, str]) -> tuple[str, ...]:
    """Terms in their canonical spellings (`respell` from `spelling_choices`), deduplicated;
    the same tuple when nothing changes."""
    return _spell(terms, respell)


def _spell(terms: tuple[str, ...], respell: Mapping[str, str]) -> tuple[str, ...]:
    """Terms respelled and deduplicated; the same tuple when nothing changes."""
    if not any(term in respell for term in terms) and len(set(terms)) == len(terms):
        return terms
    return tuple(dict.fromkeys(respell.get(term, term) for term in terms))
