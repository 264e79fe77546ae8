"""Images in the reading pane: how the terminal draws them, their size, decoding off the UI thread.

textual-image draws them: Kitty's graphics protocol where the terminal speaks it, else
coloured half-blocks (two pixels a cell), which every truecolour terminal and tmux show.
The pane keeps rows for each image (a `Slot`: a placeholder the size the image will be)
so nothing moves when a worker has decoded it and the rows fill in. textual-image asks the
terminal what it can do when it is imported; that must happen before Textual owns stdin,
so `prepare` runs before the app starts and every later import is quiet (no queries).
"""

from __future__ import annotations

import io
import math
import os
import sys
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from blogtui.markup import nodes
from blogtui.markup.images import Finder, Picture, is_picture, pictures_in
from blogtui.markup.urls import display_url
from blogtui.safe import sanitize

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

#: How images are drawn: "kitty" (graphics protocol), "blocks" (half-blocks) or "off".
Drawing = Literal["kitty", "blocks", "off"]
#: The cell size assumed when the terminal does not say (textual-image's VT340 default).
CELL = (10, 20)
#: The tallest an image is drawn, in rows (a screenful of picture at most).
MAX_ROWS = 24
#: Images with more pixels than this are not decoded (a decompression bomb, or just huge).
MAX_PIXELS = 40_000_000
#: The meta key marking the rows a Slot keeps: (image number, row, columns, rows).
META = "blogtui.image"
_CACHE_SIZE = 64


@dataclass(slots=True)
class _Terminal:
    """What `prepare` found out: how to draw, the cell size in pixels; Pillow set up."""

    drawing: Drawing | None = None
    cell: tuple[int, int] = CELL
    pillow: bool = False


_state = _Terminal()
_lock = threading.Lock()
_sizes: OrderedDict[tuple[str, int, int], tuple[int, int] | str] = OrderedDict()
_drawn: OrderedDict[tuple[object, ...], list[list[Segment]]] = OrderedDict()


# --- the terminal ---------------------------------------------------------------------------
def prepare(mode: str) -> Drawing:
    """Choose how images are drawn for `mode` ("auto", "blocks", "off"); call before the
    app starts. "auto" lets textual-image query the terminal, but only in one that says it
    speaks Kitty's graphics (kitty, ghostty): elsewhere half-blocks, with no query and
    nothing imported until a post has a picture (startup pays nothing)."""
    if mode == "off":
        return "off"
    drawing: Drawing = "blocks"
    if mode == "auto" and _may_query() and _kitty_like():
        drawing = _detect()
    _state.drawing = drawing
    return drawing


def drawing_for(mode: str) -> Drawing:
    """How the pane draws images in `mode`, as `prepare` chose (half-blocks if it never ran)."""
    if mode == "off":
        return "off"
    chosen = _state.drawing
    return chosen if mode == "auto" and chosen is not None else "blocks"


def _may_query() -> bool:
    """True where asking the terminal is safe: a terminal on both ends, not inside tmux or
    screen (they answer for themselves; half-blocks are what shows through them)."""
    stdout = sys.__stdout__
    if stdout is None or not stdout.isatty() or not sys.stdin.isatty():
        return False
    term = os.environ.get("TERM", "")
    return not (os.environ.get("TMUX") or term.startswith(("screen", "tmux")))


def _kitty_like() -> bool:
    """True in a terminal that says it may speak Kitty's graphics protocol."""
    env = os.environ
    names = f"{env.get('TERM', '')} {env.get('TERM_PROGRAM', '')}".lower()
    return bool(env.get("KITTY_WINDOW_ID")) or "kitty" in names or "ghostty" in names


def _detect() -> Drawing:
    """textual-image's own detection (it queries the terminal on import)."""
    import textual_image.widget  # noqa: F401  (fills textual-image's cell-size cache)
    from textual_image._terminal import get_cell_size
    from textual_image.renderable import Image, TGPImage

    size = get_cell_size()
    _state.cell = (size.width, size.height)
    # Sixel needs a widget of its own at a fixed place; the pane's rows scroll as text,
    # which Kitty's placeholders do and Sixel does not: a Sixel terminal gets half-blocks.
    return "kitty" if Image is TGPImage else "blocks"


def _load_quietly() -> None:
    """Import textual-image without it querying the terminal (stdout looks like a pipe)."""
    if "textual_image.renderable" in sys.modules:
        return
    with _lock, _no_terminal():
        import textual_image.renderable  # noqa: F401
        from textual_image._terminal import get_cell_size

        get_cell_size()  # cached from now on: never a query once Textual runs


@contextmanager
def _no_terminal() -> Iterator[None]:
    real = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


# --- sizes ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Box:
    """The cells an image is drawn in."""

    cols: int
    rows: int


def fit(width: int, height: int, max_cols: int, max_rows: int = MAX_ROWS) -> Box:
    """The cells a `width`x`height` pixel image takes: its own size at the terminal's cell
    size, narrowed to `max_cols` and `max_rows`, keeping its shape."""
    cell_w, cell_h = _state.cell
    cols = max(1, min(max_cols, math.ceil(width / cell_w)))
    rows = max(1, round(cols * height * cell_w / (width * cell_h)))
    if rows > max_rows:
        rows = max_rows
        cols = max(1, min(max_cols, round(rows * width * cell_h / (height * cell_w))))
    return Box(cols, rows)


def size_of(path: Path) -> tuple[int, int] | str:
    """(width, height) in pixels from the file's header alone, or why it cannot be drawn."""
    try:
        info = os.stat(path)
    except OSError as error:
        return error.strerror or "cannot read the file"
    key = (str(path), info.st_mtime_ns, info.st_size)
    with _lock:
        if key in _sizes:
            return _sizes[key]
    found = _read_size(path)
    with _lock:
        _sizes[key] = found
        while len(_sizes) > _CACHE_SIZE * 4:
            _sizes.popitem(last=False)
    return found


def _pillow() -> ModuleType:
    """PIL.Image, with its decompression-bomb warning turned into an error (once)."""
    from PIL import Image

    if not _state.pillow:
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
        _state.pillow = True
    return Image


def _read_size(path: Path) -> tuple[int, int] | str:
    Image = _pillow()
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "too many pixels to decode"
    except Image.UnidentifiedImageError:
        return "not a readable image"
    except (OSError, SyntaxError, ValueError) as error:
        return f"not a readable image ({_reason(error)})"
    if width <= 0 or height <= 0:
        return "an empty image"
    if width * height > MAX_PIXELS:
        return f"too many pixels to decode ({width}x{height})"
    return width, height


def _reason(error: BaseException) -> str:
    text = str(error).strip().rstrip(".")
    return text[:80] if text else type(error).__name__


# --- decoding -------------------------------------------------------------------------------
def decode(
    path: Path, box: Box, background: tuple[int, int, int], drawing: Drawing
) -> PilImage | str:
    """The image at `path` decoded and scaled to `box` (pixels for `drawing`), its
    transparency laid on `background`; or why not (truncated, corrupt, too big)."""
    Image = _pillow()
    cell_w, cell_h = _state.cell if drawing == "kitty" else (1, 2)
    target = (box.cols * cell_w, box.rows * cell_h)
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                return "too many pixels to decode"
            image.draft("RGB", target)  # JPEG: decode at a fraction of the size
            # reducing_gap: a fast integer shrink first, then Lanczos over the last factor
            flat = _flatten(image, background)
            return flat.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "too many pixels to decode"
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        return f"cannot decode ({_reason(error)})"


def _flatten(image: PilImage, background: tuple[int, int, int]) -> PilImage:
    from PIL import Image

    rgba = image.convert("RGBA")
    ground = Image.new("RGBA", rgba.size, (*background, 255))
    return Image.alpha_composite(ground, rgba).convert("RGB")


def rows_of(image: PilImage, box: Box, drawing: Drawing) -> list[list[Segment]]:
    """The rows of segments that draw `image` in `box`. Half-blocks can be drawn in any
    thread; Kitty's send the picture to the terminal, so only on the UI thread."""
    _load_quietly()
    from textual_image.renderable import HalfcellImage, TGPImage

    kind = TGPImage if drawing == "kitty" else HalfcellImage
    renderable = kind(image, width=box.cols, height=box.rows)
    console = Console(
        file=io.StringIO(), width=box.cols, color_system="truecolor", force_terminal=True
    )
    options = console.options.update(width=box.cols, height=box.rows)
    lines = console.render_lines(renderable, options, pad=False)
    return [[s for s in line if s.text != "\n"] for line in lines[: box.rows]]


def draw(
    path: Path, box: Box, background: tuple[int, int, int], drawing: Drawing
) -> list[list[Segment]] | PilImage | str:
    """Decode the image at `path` for `box` (in a worker): rows of half-blocks (remembered
    for the next time), the decoded image for Kitty, or why it cannot be drawn."""
    try:
        info = os.stat(path)
    except OSError as error:
        return error.strerror or "cannot read the file"
    key = (str(path), info.st_mtime_ns, info.st_size, box, background, drawing)
    with _lock:
        if key in _drawn:
            _drawn.move_to_end(key)
            return _drawn[key]
    image = decode(path, box, background, drawing)
    if isinstance(image, str) or drawing == "kitty":
        return image
    rows = rows_of(image, box, drawing)
    with _lock:
        _drawn[key] = rows
        while len(_drawn) > _CACHE_SIZE:
            _drawn.popitem(last=False)
    return rows


def rows_for(drawn: list[list[Segment]] | PilImage, box: Box) -> list[list[Segment]]:
    """The rows of a drawn image; a decoded one is drawn now with Kitty's protocol (this
    writes to the terminal, so only on the UI thread)."""
    if isinstance(drawn, list):
        return drawn
    return rows_of(drawn, box, "kitty")


# --- the slots in a rendered page --------------------------------------------------------------
@dataclass(slots=True)
class Spot:
    """Where one image's rows are in a page: its Picture, box, and (line, x) of each row."""

    number: int
    picture: Picture
    box: Box
    rows: list[tuple[int, int]]
    #: A worker has taken it (`done` once the pane has it).
    claimed: bool = False
    done: bool = False


class Slot:
    """The rows kept for one image while it decodes: a dim placeholder of its size, or one
    quiet line saying why it is not drawn (remote, refused, SVG, unreadable)."""

    def __init__(self, number: int, picture: Picture) -> None:
        self.number = number
        self.picture = picture

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        picture = self.picture
        size = size_of(picture.path) if picture.path is not None else picture.reason
        if isinstance(size, str):
            yield _notice(picture, size)
            return
        box = fit(*size, max(1, options.max_width))
        for row in range(box.rows):
            text = "⧗ loading image…"[: box.cols] if row == 0 else ""
            meta = {META: (self.number, row, box.cols, box.rows)}
            yield Segment(text.ljust(box.cols), Style(dim=True, meta=meta))
            yield Segment.line()


def _notice(picture: Picture, reason: str) -> Text:
    where, why = display_url(picture.src), sanitize(reason)
    return Text(f"↳ {why}: {where}" if where else f"↳ {why}", style="dim italic")


class Collector:
    """Makes the Slots of one post's render and remembers each Picture by number."""

    def __init__(self, finder: Finder, post_path: str) -> None:
        self.finder = finder
        self.post_path = post_path
        self.pictures: list[Picture] = []

    def __call__(self, items: list[nodes.Span]) -> list[Slot]:
        """The Slots for the images among a paragraph's spans (none for a missing file)."""
        found = (self.finder.find(n, self.post_path) for n in pictures_in(items) if is_picture(n))
        return [self.slot(picture) for picture in found if not picture.missing]

    def slot(self, picture: Picture) -> Slot:
        self.pictures.append(picture)
        return Slot(len(self.pictures) - 1, picture)


def spots(lines: list[list[Segment]], pictures: list[Picture]) -> list[Spot]:
    """The Spots of the Slots in `lines` (rendered from a Collector's Slots)."""
    found: dict[int, Spot] = {}
    for number, line in enumerate(lines):
        x = 0
        for segment in line:
            style = segment.style
            mark = style.meta.get(META) if style is not None and style.meta else None
            if mark is not None:
                image, _, cols, rows = mark
                spot = found.setdefault(image, Spot(image, pictures[image], Box(cols, rows), []))
                spot.rows.append((number, x))
            x += segment.cell_length
    return list(found.values())
