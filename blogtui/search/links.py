"""The link graph of an archive: which posts link to which, from every link that resolves.

A link names a post by a relative path, an archive path, a site-absolute URL
(`/blog/2023/08/24/slug/`), a slug, a Jekyll `post_url`, a Hugo `ref`/`relref` (made a plain
target by blogtui.markup), a wiki-link (by Obsidian's rules) or a front-matter alias.
Each post's link targets come from its parsed document and are cached by file stat beside
the index, so a refresh re-reads only the files that changed. A quick look at a file's bytes
skips the files that hold nothing that could link to a post (most links go to other sites),
and only the paragraphs that can hold such a link are parsed; resolving every target
(wiki-links included) is dict lookups in tables built once.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from blogtui.markup.targets import targets
from blogtui.markup.wikilinks import alias_table, page_key, split_target
from blogtui.model import Post
from blogtui.search.syntax import And, Field, Node, Not, Or

if TYPE_CHECKING:
    from blogtui.search.index import PostIndex

_JEKYLL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}-")
_MARKDOWN = (".md", ".markdown", ".mdx", ".html", ".htm")
#: Where a link target starts, if it may name a post: no `#anchor`, no scheme (`post_url:`,
#: which a Jekyll tag becomes, is ours).
_NO_SCHEME = r"(?!#|(?!post_url:)[A-Za-z][A-Za-z0-9+.-]*:)"
#: What can make a link to a post, as written: a markdown link or an HTML `href`/`src`
#: whose target has no scheme, a wiki-link, a template tag (`{{< ref >}}`, `{% post_url %}`),
#: a reference definition (`[name]: /path/`) whose uses can be anywhere. Each pattern starts
#: with a literal, which `re` finds fast; HTML attributes are matched in lower case.
_LINK = rf"\]\(\s*+<?+{_NO_SCHEME}"
_HTML = rf"(?:href|src|srcset)\s*+=\s*+[\"']?+\s*+{_NO_SCHEME}"
_REFER = rf"\]:[ \t]*+\n?[ \t>]*+<?+{_NO_SCHEME}"
_TAGS = ("[[", "{{", "{%")
_TEXT_LINK, _TEXT_HTML = re.compile(_LINK), re.compile(_HTML)
_FILE_LINK, _FILE_HTML, _FILE_REFER = (re.compile(p.encode()) for p in (_LINK, _HTML, _REFER))
#: A reference definition that may name a post, at the start of a line (not a footnote).
_REFERENCE = re.compile(rf"^[ \t>]*+\[(?!\^)[^\]\n]+{_REFER}", re.M)
#: What a paragraph needs kept beside the ones with links for them to parse as they do in
#: the whole post: HTML (blocks and comments may run over blank lines), MDX comments.
_CONTEXT = ("<", "{/*", "*/}")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.M | re.S)
#: The cache file's format; bump it when what `extract` finds changes.
CACHE_FORMAT = 5


def is_external(target: str) -> bool:
    """True for URLs with a scheme (http, mailto...): they go to the system opener."""
    return bool(urlsplit(target).scheme) and not target.startswith("post_url:")


# --- each post's targets ------------------------------------------------------------------


def may_link(data: bytes) -> bool:
    """False when a file (front matter and all) holds nothing that could link to a post:
    a quick test that spares parsing files whose links all go elsewhere."""
    if any(tag.encode() in data for tag in _TAGS):
        return True
    if _FILE_LINK.search(data) or _FILE_REFER.search(data):
        return True
    return b"<" in data and _FILE_HTML.search(data.lower()) is not None


def _may_link_text(chunk: str) -> bool:
    """`may_link` for a paragraph of the body (reference definitions aside)."""
    if any(tag in chunk for tag in _TAGS) or _TEXT_LINK.search(chunk):
        return True
    return "<" in chunk and _TEXT_HTML.search(chunk.lower()) is not None


def link_targets(body: str, *, mdx: bool = False) -> list[str]:
    """The link targets of a body that may name another post (no images, no URLs with a
    scheme, no bare `#anchors`), in reading order, each once."""
    from blogtui.markup.parser import parse, prepare  # (markdown-it: only to build the graph)

    linky = _linky_paragraphs(prepare(body))
    if not linky:
        return []
    return [
        found.target
        for found in targets(parse(linky, mdx=mdx))
        if not found.image and _may_name_a_post(found.target)
    ]


def _may_name_a_post(target: str) -> bool:
    """False for a bare `#anchor`, a URL with a scheme and a file that is no page (`.png`)."""
    if target.startswith("#") or is_external(target) or "://" in target:
        return False
    if "{{" in unquote(target) or "{%" in unquote(target):
        return False  # a template tag left as written: a URL only the generator can make
    if split_target(target) is not None:
        return True
    name = posixpath.basename(unquote(urlsplit(target).path))
    extension = posixpath.splitext(name)[1].casefold()
    return not extension or extension in _MARKDOWN or not extension[1:].isalpha()


def _linky_paragraphs(body: str) -> str:
    """Only the paragraphs that can hold a link to a post (and the HTML around them),
    outside fenced code: parsing them finds the same links as parsing the whole body, at a
    fraction of the cost. A reference definition that may name a post keeps the whole body
    (its uses can be anywhere)."""
    body = _FENCE.sub("", body)
    if _REFERENCE.search(body) is not None:
        return body  # whole, so each paragraph parses in its place (lists, quotes)
    chunks = re.split(r"\n[ \t]*\n", body)
    linked = [_may_link_text(chunk) for chunk in chunks]
    if not any(linked):
        return ""
    kept = [c for c, link in zip(chunks, linked, strict=True) if link or _context(c)]
    return "\n\n".join(textwrap.dedent(chunk) for chunk in kept)


def _context(chunk: str) -> bool:
    return any(mark in chunk for mark in _CONTEXT)


# --- resolving a target -------------------------------------------------------------------


def stem(path: str) -> str:
    """The name a post is linked by: file name without extension; a bundle's folder name."""
    path = path.rstrip("/")
    name = posixpath.basename(path)
    for ext in _MARKDOWN:
        if name.endswith(ext):
            name = name[: -len(ext)]
    if name in ("index", "_index"):
        name = posixpath.basename(posixpath.dirname(path))
    return name


def strip_ext(path: str) -> str:
    """`path` without a trailing slash or markdown/HTML extension."""
    path = path.rstrip("/")
    for ext in _MARKDOWN:
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


def candidates(target: str, from_path: str) -> list[str]:
    """Archive-relative paths a (non-wiki) target may name, most specific first."""
    if target.startswith("post_url:"):
        return [target.removeprefix("post_url:")]
    if target.startswith("@/"):  # Zola: a path from the content folder
        inside = unquote(urlsplit(target).path)[2:]
        return [inside, f"content/{inside}"]
    clean = unquote(urlsplit(target).path)
    if not clean:
        return []
    if clean.startswith("/"):
        return [clean.strip("/")]
    base = posixpath.dirname(from_path)
    joined = posixpath.normpath(posixpath.join(base, clean))
    # Hugo's pretty URLs put a post one folder deeper than its file, so try its parent too.
    parent = posixpath.normpath(posixpath.join(posixpath.dirname(base), clean))
    found = [joined, parent, clean]
    return [c for c in found if c and c != "." and not c.startswith("..")]


class Resolver:
    """Resolves link targets against one set of posts (tables built once, lookups after)."""

    def __init__(self, posts: Iterable[Post], aliases: Mapping[str, Post] | None = None) -> None:
        self.by_path: dict[str, Post] = {}
        self.by_stem: dict[str, Post] = {}
        self._lookup: dict[str, Post] = {}
        self.aliases: Mapping[str, Post] = aliases or {}
        self._wiki: WikiPages | None = None
        for post in posts:
            self.by_path[post.path] = post
            self._lookup.setdefault(post.path, post)
            self._lookup.setdefault(strip_ext(post.path), post)
            name = stem(post.path)
            for key in (name, _JEKYLL_DATE.sub("", name), post.slug):
                if key:
                    self.by_stem.setdefault(key, post)

    def resolve(self, target: str, from_path: str) -> Post | None:
        """The post `target` (as written in the post at `from_path`) names, or None."""
        wiki = split_target(target)
        if wiki is not None:  # Obsidian's rules; then a bundle's folder name or a slug
            if self._wiki is None:
                self._wiki = WikiPages(self.by_path)
            found = self._wiki.resolve(wiki[0], from_path)
            if found is None and wiki[0]:
                found = self.aliases.get(page_key(wiki[0]))
            return found or self.by_stem.get(page_key(wiki[0]))
        if is_external(target):
            return None
        options = candidates(target, from_path)
        for candidate in options:
            found = self._lookup.get(candidate.rstrip("/")) or self._lookup.get(
                strip_ext(candidate)
            )
            if found is not None:
                return found
        for candidate in options:
            alias = self.aliases.get(page_key(candidate.strip("/")))
            if alias is not None:
                return alias
        for candidate in options:
            name = stem(candidate)
            found = self.by_stem.get(name) or self.by_stem.get(_JEKYLL_DATE.sub("", name))
            if found is not None:
                return found
        return None


class WikiPages:
    """Obsidian's rules for `[[Page]]` (blogtui.markup.wikilinks.resolve) as lookups in
    tables built once: by whole path, and by each ending of a path at a folder boundary
    (`Page`, `Folder/Page`) to the shortest path with that ending."""

    def __init__(self, by_path: Mapping[str, Post]) -> None:
        self.by_path = by_path
        self.by_key = {page_key(path): path for path in by_path}
        self.by_ending: dict[str, str] = {}
        for key, path in self.by_key.items():
            parts = key.split("/")
            for start in range(len(parts)):
                ending = "/".join(parts[start:])
                best = self.by_ending.get(ending)
                if best is None or (len(path), path) < (len(best), best):
                    self.by_ending[ending] = path

    def resolve(self, page: str, from_path: str) -> Post | None:
        """The post `page` names from the post at `from_path` (aliases not consulted)."""
        if not page:
            return self.by_path.get(from_path)
        wanted = page_key(page)
        beside = page_key(posixpath.join(posixpath.dirname(from_path), page))
        for candidate in (wanted, beside):
            if candidate in self.by_key:
                return self.by_path[self.by_key[candidate]]
        path = self.by_ending.get(wanted)
        return self.by_path[path] if path is not None else None


# --- the graph ----------------------------------------------------------------------------


@dataclass(slots=True)
class Scanned:
    """What one file contributes: its link targets and its front-matter aliases."""

    mtime_ns: int
    size: int
    targets: list[str]
    aliases: list[str]


@dataclass(slots=True)
class LinkGraph:
    """Links between the posts of an archive, both ways, and the targets that named no post."""

    outgoing: dict[str, list[str]] = field(default_factory=dict)
    incoming: dict[str, list[str]] = field(default_factory=dict)
    unresolved: dict[str, list[str]] = field(default_factory=dict)

    def links_from(self, path: str) -> list[str]:
        """The paths of the posts `path` links to, in reading order."""
        return self.outgoing.get(path, [])

    def links_to(self, path: str) -> list[str]:
        """The paths of the posts that link to `path`."""
        return self.incoming.get(path, [])

    @property
    def resolved_count(self) -> int:
        """Links (source, target post) that resolved, self-links excluded."""
        return sum(len(paths) for paths in self.outgoing.values())

    @property
    def unresolved_count(self) -> int:
        """Internal-looking targets that named no post of the archive."""
        return sum(len(targets) for targets in self.unresolved.values())


def build(posts: Sequence[Post], scanned: Mapping[str, Scanned]) -> LinkGraph:
    """The graph of `posts` from each one's scanned targets (one pass of table lookups)."""
    # An alias is a page name (wiki-links) or an old URL (`/old/path/`): keep both spellings.
    aliases = alias_table(
        (p, [name for alias in scanned[p.path].aliases for name in (alias, alias.strip("/"))])
        for p in posts
        if p.path in scanned
    )
    resolver = Resolver(posts, aliases)
    graph = LinkGraph()
    for post in posts:
        found = scanned.get(post.path)
        if found is None:
            continue
        out: list[str] = []
        for target in found.targets:
            linked = resolver.resolve(target, post.path)
            if linked is None:
                graph.unresolved.setdefault(post.path, []).append(target)
            elif linked.path != post.path and linked.path not in out:
                out.append(linked.path)
        if out:
            graph.outgoing[post.path] = out
            for path in out:
                graph.incoming.setdefault(path, []).append(post.path)
    return graph


#: Reads one post (body included) by its archive path; None if it cannot be read.
Reader = Callable[[str], Post | None]


class LinkScanner:
    """Each post's targets and aliases, kept by file stat; `scan` re-reads only changed files."""

    def __init__(self, root: Path, cache: Path | None) -> None:
        self.root = root
        self.cache = cache
        self.files: dict[str, Scanned] = self._load()

    def _load(self) -> dict[str, Scanned]:
        if self.cache is None:
            return {}
        try:
            data = json.loads(self.cache.read_text("utf-8"))
        except (OSError, ValueError):
            return {}  # no cache yet, or a damaged one: scanning again rebuilds it
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return {}
        return {path: Scanned(*row) for path, row in data.get("files", {}).items()}

    def save(self) -> None:
        """Write the cache (atomically); an unwritable cache folder only costs a rescan."""
        if self.cache is None:
            return
        rows = {p: [s.mtime_ns, s.size, s.targets, s.aliases] for p, s in self.files.items()}
        text = json.dumps({"format": CACHE_FORMAT, "files": rows}, ensure_ascii=False)
        partial = self.cache.with_name(f"{self.cache.name}.{os.getpid()}.tmp")
        try:
            partial.write_text(text, "utf-8")
            os.replace(partial, self.cache)
        except OSError:
            partial.unlink(missing_ok=True)

    def scan(self, posts: Sequence[Post], read: Reader) -> int:
        """Bring every post's entry up to date by stat; returns how many files were read."""
        wanted = {post.path for post in posts}
        for gone in set(self.files) - wanted:
            del self.files[gone]
        done = 0
        for post in posts:
            try:
                stat = (self.root / post.path).stat()
            except OSError:
                self.files.pop(post.path, None)
                continue
            known = self.files.get(post.path)
            if known and (known.mtime_ns, known.size) == (stat.st_mtime_ns, stat.st_size):
                continue
            self.files[post.path] = self._read(post.path, read, stat.st_mtime_ns, stat.st_size)
            done += 1
        return done

    def _read(self, path: str, read: Reader, mtime_ns: int, size: int) -> Scanned:
        from blogtui.search.aliases import front_matter_aliases

        try:
            data = (self.root / path).read_bytes()
        except OSError:
            return Scanned(mtime_ns, size, [], [])
        aliases = front_matter_aliases(_text(data))
        if not may_link(data):
            return Scanned(mtime_ns, size, [], aliases)
        post = read(path)
        if post is None:
            return Scanned(mtime_ns, size, [], [])
        found = link_targets(post.body, mdx=path.endswith(".mdx"))
        return Scanned(mtime_ns, size, found, aliases)


def _text(data: bytes) -> str:
    """A file's bytes as text, line ends made LF (as reading it in text mode does)."""
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def graph_of(posts: Sequence[Post], read: Reader, root: Path, cache: Path | None) -> LinkGraph:
    """Scan what changed since the cache was written, save it, and build the graph."""
    scanner = LinkScanner(root, cache)
    if scanner.scan(posts, read):
        scanner.save()
    return build(posts, scanner.files)


def graph_for(index: PostIndex) -> LinkGraph:
    """The link graph of an index's current posts, its cache kept in the index's folder."""
    cache = index.location / "links.json" if index.location is not None else None
    return graph_of(index.posts(), index.post, index.root, cache)


# --- the query keys linksto:PATH and linkedfrom:PATH --------------------------------------

#: The query fields answered from the graph.
LINK_FIELDS = frozenset({"linksto", "linkedfrom"})
#: A path no post has: what a link field matches when no post qualifies.
_NO_PATH = "\0"


def field_names(node: Node) -> Iterator[str]:
    """The field names a query tree uses."""
    if isinstance(node, Field):
        yield node.name
    elif isinstance(node, Not):
        yield from field_names(node.node)
    elif isinstance(node, And | Or):
        for child in node.nodes:
            yield from field_names(child)


def expand(node: Node, graph: LinkGraph, posts: Sequence[Post]) -> Node:
    """The tree with each `linksto:PATH` (posts linking to PATH) and `linkedfrom:PATH` (posts
    PATH links to) replaced by the exact paths they stand for. PATH names a post as `path:`
    does: its exact archive path, else any post whose path contains it (case ignored)."""
    if isinstance(node, Field) and node.name in LINK_FIELDS:
        named = _named(node.value, posts)
        step = graph.links_to if node.name == "linksto" else graph.links_from
        paths = sorted({linked for path in named for linked in step(path)}) or [_NO_PATH]
        return Or(tuple(Field("pathis", path) for path in paths))
    if isinstance(node, Not):
        return Not(expand(node.node, graph, posts))
    if isinstance(node, And):
        return And(tuple(expand(child, graph, posts) for child in node.nodes))
    if isinstance(node, Or):
        return Or(tuple(expand(child, graph, posts) for child in node.nodes))
    return node


def _named(value: str, posts: Sequence[Post]) -> list[str]:
    exact = [post.path for post in posts if post.path == value]
    if exact:
        return exact
    wanted = value.casefold().strip("/")
    return [post.path for post in posts if wanted in post.path.casefold()]
