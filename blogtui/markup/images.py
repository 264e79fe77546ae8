"""The images of a post found on disk: inside the site, never fetched, never outside it.

A source is resolved as the site generators resolve it: a relative path from the post's
folder (a Hugo page bundle's resources, `../images/x.png`), a site-absolute path
(`/images/x.png`) from the site's `static/`, `assets/`, `public/` or `source/` folder or the
site root itself, an Obsidian embed `![[x.png]]` by file name anywhere in the vault. A
remote source is never fetched (privacy); a path or symlink leading outside the site is
refused; SVG is not drawn. Each answer says why when there is no file to draw.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from blogtui.markup import nodes
from blogtui.markup.wikilinks import resolve

#: Suffixes Pillow decodes (what is drawn); anything else is shown as its alt text.
RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ico")
VECTOR = (".svg", ".svgz")
#: Folders a site-absolute path (`/images/x.png`) is looked for in, then the site root.
STATIC_DIRS = ("static", "assets", "public", "source")
#: Files that mark a site root (a folder above the archive when it is a content folder).
SITE_MARKERS = (
    "hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml",
    "config.yml", "zola.toml", "_config.yml", "_config.yaml", "docusaurus.config.js",
    "docusaurus.config.ts", "astro.config.mjs", "astro.config.ts", "astro.config.js",
    ".obsidian",
)  # fmt: skip
#: How many folders above the archive a site root may be (`site/content/posts`).
SITE_DEPTH = 3
#: The first folder below a site root that an archive inside it must be in.
CONTENT_DIRS = ("content", "src", "source", "blog", "docs", "_posts", "posts")
#: Image files bigger than this are not read.
MAX_FILE_BYTES = 32 * 1024 * 1024
_SKIP_DIRS = {".git", ".obsidian", "node_modules", ".trash", "public", "resources"}
#: The reason of an image whose file is not there (the pane then shows its alt text alone).
MISSING = "no such file"
_REMOTE = ("http", "https", "ftp", "ftps", "data", "file", "blob")


@dataclass(frozen=True, slots=True)
class Picture:
    """One image of a post: what it says (alt), where it points (src), and the file to draw
    (`path`), or why there is none (`reason`: remote, outside the site, missing, SVG...)."""

    alt: str
    src: str
    path: Path | None = None
    reason: str = ""
    remote: bool = False

    @property
    def missing(self) -> bool:
        """True when no file is there: nothing is drawn and nothing said beyond the alt text."""
        return self.reason == MISSING


def pictures_in(spans: list[nodes.Span]) -> Iterator[nodes.Image | nodes.WikiLink | nodes.Media]:
    """The image spans among `spans` (inside links and emphasis too), in order."""
    for span in spans:
        if isinstance(span, nodes.Image | nodes.Media) or (
            isinstance(span, nodes.WikiLink) and span.embed
        ):
            yield span
        elif isinstance(span, nodes.Link | nodes.Styled):
            yield from pictures_in(span.children)


def is_picture(node: object) -> bool:
    """True for an image node: `![alt](src)`, `<img>`, a figure, an image embed `![[x.png]]`."""
    if isinstance(node, nodes.Image):
        return True
    if isinstance(node, nodes.Media):
        return node.kind in ("figure", "image") and bool(node.url)
    if isinstance(node, nodes.WikiLink):
        return node.embed and node.page.lower().endswith((*RASTER, *VECTOR))
    return False


def site_root(root: Path) -> Path:
    """The site `root` belongs to: itself, or the nearest folder above it (at most
    SITE_DEPTH up) that holds a generator's config, when `root` is inside its content
    folder (`site/content`, `website/blog`)."""
    root = Path(os.path.abspath(root))
    if _marks_site(root):
        return root
    for parent in list(root.parents)[:SITE_DEPTH]:
        top = root.relative_to(parent).parts[0]
        if top in CONTENT_DIRS and _marks_site(parent):
            return parent
    return root


def _marks_site(folder: Path) -> bool:
    return any(os.path.exists(folder / name) for name in SITE_MARKERS)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class Finder:
    """Resolves the images of an archive's posts to files inside its site."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.site = site_root(self.root)
        self._real = os.path.realpath(self.site)
        self._names: dict[str, Path] | None = None

    def find(self, node: nodes.Image | nodes.WikiLink | nodes.Media, post_path: str) -> Picture:
        """The Picture of an image node of the post at `post_path` (archive-relative)."""
        if isinstance(node, nodes.WikiLink):
            return self._embed(node, post_path)
        if isinstance(node, nodes.Media):
            return self.locate(node.text, node.url, post_path)
        return self.locate(node.alt, node.src, post_path)

    def locate(self, alt: str, src: str, post_path: str) -> Picture:
        """The Picture of `src` written in the post at `post_path`."""
        parts = urlsplit(src.strip())
        if parts.scheme.lower() in _REMOTE or parts.netloc or src.strip().startswith("//"):
            return Picture(alt, src, reason="remote image, not fetched", remote=True)
        if parts.scheme:
            return Picture(alt, src, reason=f"{parts.scheme}: images are not shown")
        path = unquote(parts.path)
        if not path:
            return Picture(alt, src, reason="no image source")
        candidates = self._candidates(path, post_path)
        return self._first(alt, src, candidates)

    def _candidates(self, path: str, post_path: str) -> list[str]:
        if path.startswith("/"):
            rel = path.lstrip("/")
            bases = [posixpath.join(d, rel) for d in STATIC_DIRS] + [rel]
            return [os.path.join(self.site, base) for base in bases] + [
                os.path.join(self.root, rel)
            ]
        folder = os.path.dirname(os.path.join(self.root, post_path))
        return [os.path.join(folder, path)]

    def _first(self, alt: str, src: str, candidates: list[str]) -> Picture:
        reason = MISSING
        for candidate in candidates:
            found = self._check(os.path.normpath(candidate))
            if isinstance(found, Path):
                return self._kind(Picture(alt, src, found))
            if found != MISSING:
                reason = found
        return Picture(alt, src, reason=reason)

    def _check(self, candidate: str) -> Path | str:
        """The file at `candidate`, or why it cannot be drawn (outside, missing, too big)."""
        if not (_within(candidate, str(self.site)) or _within(candidate, self._real)):
            return "outside the site, not read"
        real = os.path.realpath(candidate)
        if not _within(real, self._real):
            return "a link leading outside the site, not read"
        try:
            info = os.stat(real)
        except OSError:
            return MISSING
        if not os.path.isfile(real):
            return "not a file"
        if info.st_size > MAX_FILE_BYTES:
            return f"too large to read ({info.st_size // (1024 * 1024)} MB)"
        return Path(candidate)

    def _kind(self, picture: Picture) -> Picture:
        assert picture.path is not None
        suffix = picture.path.suffix.lower()
        if suffix in VECTOR:
            return Picture(picture.alt, picture.src, reason="SVG is not drawn")
        if suffix not in RASTER:
            kind = suffix or "no suffix"
            return Picture(picture.alt, picture.src, reason=f"not an image ({kind})")
        return picture

    def _embed(self, node: nodes.WikiLink, post_path: str) -> Picture:
        """`![[x.png]]`: the vault's file of that name (Obsidian's shortest-path rule)."""
        alt = node.alias or node.page
        names = self._vault_files()
        found = resolve(node.page, post_path, names)
        if found is None:
            return Picture(alt, node.page, reason=MISSING)
        checked = self._check(str(found))
        if isinstance(checked, str):
            return Picture(alt, node.page, reason=checked)
        return self._kind(Picture(alt, node.page, checked))

    def _vault_files(self) -> dict[str, Path]:
        """Archive-relative path -> file, for every image file of the archive (walked once)."""
        if self._names is None:
            self._names = {}
            for folder, dirs, files in os.walk(self.root):
                dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
                for name in files:
                    if name.lower().endswith((*RASTER, *VECTOR)):
                        path = os.path.join(folder, name)
                        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
                        self._names[rel] = Path(path)
        return self._names
