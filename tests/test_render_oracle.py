"""Hugo and Jekyll as rendering oracles: what they render of a post's body, blogtui shows.

Hugo 0.111 builds each Hugo corpus (and the bundled demo) once, in place, through a
temporary site (tests/oracle/hugo-render: raw HTML kept, typographer off, no highlighting,
every shortcode stubbed, a paired one printing its .Inner); Jekyll 4.3 builds a copy of
jekyll-posts with kramdown (tests/oracle/jekyll-render: Liquid on, smart quotes off). From
the HTML of every body we take each code block, inline code, heading, table cell and
footnote, and look for it, whitespace-normalised, in the text blogtui gives the same
construct (the text `blogtui cat` prints: the plain renderer of blogtui.markup).

Each item is `equal` (the same text), `adds` (ours holds it and adds a label or shortcode
text, counted by name) or `elsewhere` (shown, but as part of another construct: counted by
the named reason of ADMITTED). Anything else fails the test. What our text adds where the
stubbed build shows nothing (box labels, shortcodes said in words, figure lines) is counted
by kind too. The figures per corpus are printed (`pytest -s`) and pinned in FIGURES, so a
change in agreement is seen.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from blogtui.archive import load
from blogtui.markup import nodes, parse
from blogtui.markup.plain import blocks_text, code_span, document_text, same_as_url, spans_text
from blogtui.markup.urls import display_url
from blogtui.render import plain_post, post_header_lines, sanitize
from tests.conftest import CORPORA, NOW, ROOT

pytestmark = [pytest.mark.oracle, pytest.mark.corpora]

ORACLE = Path(__file__).resolve().parent / "oracle"
DEMO = ROOT / "blogtui" / "demo"
HUGO_ARCHIVES = ("kerthcet-homepage", "sofastack-blog-zh", "hugo-docs", "demo")
KINDS = ("code", "inline code", "heading", "cell", "footnote")
TIMEOUT = 120
SHORTCODE = re.compile(r"\{\{[<%]\s*(?!/\*)(/?)\s*([\w./-]+)")

#: Items we show as part of another construct (or hide as markup), by the reason why. An
#: item that none of these explains, and that is not ours, is a failure.
ADMITTED = {
    # `- item:\n| a | b |` (no blank line, not indented): Goldmark reads a table inside
    # the list item; CommonMark (markdown-it) a lazy continuation of its paragraph.
    "table as a list item's lazy continuation": lambda source, item: _lazy_table(source, item),
    # `{.class}` under a table: a Goldmark block attribute, markup for the site's
    # stylesheet (gohugo.io enables parser.attribute.block, and hides it); our oracle site
    # does not, so Hugo reads one more table row. We hide it as markup.
    "block attribute we hide": lambda source, item: bool(re.fullmatch(r"\{[.#:][^}]*\}", item)),
}

#: The figures, pinned: per archive, the items Hugo or Jekyll rendered and how many were
#: equal, added to, or found elsewhere (by reason); and what our text adds that the
#: stubbed build shows nothing for (box labels, shortcodes said in words, figure lines).
FIGURES: dict[str, dict[str, object]] = {
    "kerthcet-homepage": {
        "items": 47,
        "equal": 47,
        "adds": {},
        "elsewhere": {},
        "ours": {"figure line": 39, "video line": 1},
    },
    "sofastack-blog-zh": {
        "items": 7293,
        "equal": 7278,
        "adds": {},
        "elsewhere": {"table as a list item's lazy continuation": 15},
        "ours": {},
    },
    "hugo-docs": {
        "items": 20674,
        "equal": 20673,
        "adds": {},
        "elsewhere": {"block attribute we hide": 1},
        "ours": {
            "box label": 315,
            "figure line": 1,
            "image line": 32,
            "instagram line": 1,
            "post line": 1,
            "quiet section label": 17,
            "shortcode label": 509,
            "video line": 3,
        },
    },
    "demo": {
        "items": 562,
        "equal": 562,
        "adds": {},
        "elsewhere": {},
        "ours": {"figure line": 1, "video line": 1},
    },
    "jekyll-posts": {"items": 516, "equal": 516, "adds": {}, "elsewhere": {}, "ours": {}},
}


def _lazy_table(source: str, item: str) -> bool:
    """True if `item` is a cell of a pipe table that directly follows a list item line."""
    lines = source.split("\n")
    for number, line in enumerate(lines):
        if "|" in line and item in line and number:
            above = number
            while above > 0 and "|" in lines[above - 1]:
                above -= 1
            previous = lines[above - 1] if above else ""
            if re.match(r"\s*(?:[-*+]|\d+\.)\s", previous):
                return True
    return False


def need(tool: str) -> str:
    """The tool's path, or skip saying how to get it."""
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} is not on PATH (apt-get install {tool}; .ci/run installs it)")
    return found


def run_tool(argv: list[str], cwd: Path, **env: str) -> None:
    """Run hugo or jekyll in UTC, with its home and caches inside the temporary site."""
    environment = {**os.environ, "TZ": "UTC", "HOME": str(cwd), **env}
    done = subprocess.run(
        argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, f"{argv[0]} failed:\n{done.stderr[-2000:]}"


# --- what the oracles rendered ----------------------------------------------------------------


class Items(HTMLParser):
    """The items of one body's HTML, as (kind, text), text written the way blogtui writes
    inline things: code in backticks, links as `text (url)`, images as `[image: alt]`,
    footnote references as `[1]`, code blocks inside an item fenced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, str]] = []
        self.stack: list[_Open] = [_Open("root", "")]
        self.in_pre = 0
        self.skipping = 0
        self.in_notes = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if (
            self.skipping
            or values.get("role") == "doc-backlink"
            or "reversefootnote" in values.get("class", "")
        ):
            self.skipping += tag == "a"
            return
        if values.get("role") == "doc-endnotes" or values.get("class") == "footnotes":
            self.in_notes = True
        kind = self._kind(tag)
        if tag == "pre":
            self.in_pre += 1
        if kind:
            self.stack.append(_Open(kind, tag))
        elif tag == "code" and self.in_pre and self.stack[-1].kind == "code":
            self.stack[-1].lang = values.get("class", "").replace("language-", "").split(" ")[0]
        elif tag == "img" and not self.in_pre:
            self.stack[-1].parts.append(
                f"[image: {values.get('alt') or display_url(values.get('src', ''))}]"
            )
        elif tag == "br":
            self.stack[-1].parts.append(" ")
        elif tag == "a" and not self.in_pre:
            role = (
                "note"
                if values.get("role") == "doc-noteref" or "footnote" in values.get("class", "")
                else ""
            )
            self.stack.append(_Open("link", "a", href=values.get("href", ""), role=role))

    def _kind(self, tag: str) -> str:
        if tag == "pre":
            return "code"
        if tag == "code" and not self.in_pre:
            return "inline code"
        if re.fullmatch(r"h[1-6]", tag):
            return "heading"
        if tag in ("td", "th"):
            return "cell"
        return "footnote" if tag == "li" and self.in_notes else ""

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= tag == "a"
            return
        if tag == "pre":
            self.in_pre -= 1
        top = self.stack[-1]
        if len(self.stack) == 1 or top.tag != tag:
            return
        self.stack.pop()
        text = "".join(top.parts)
        if top.kind == "link":
            text = self._link(top, text)
        else:
            self.items.append((top.kind, text))
            if top.kind == "code" and len(self.stack) > 1:
                text = f"```{top.lang}\n{text}```"
            elif top.kind == "inline code":
                text = code_span(text)
        self.stack[-1].parts.append(text)

    @staticmethod
    def _link(top: _Open, text: str) -> str:
        url = display_url(top.href)
        if top.role == "note":
            return f"[{text.strip()}]"
        if not text.strip():
            return url
        return text if not url or same_as_url(text, url) else f"{text} ({url})"

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.stack[-1].parts.append(data)


@dataclass(slots=True)
class _Open:
    kind: str
    tag: str
    href: str = ""
    role: str = ""
    lang: str = ""
    parts: list[str] = field(default_factory=list)


def html_items(html: str) -> list[tuple[str, str]]:
    """The (kind, normalised text) items of one body, empty ones left out."""
    parser = Items()
    parser.feed(html)
    parser.close()
    return [(kind, normal(text)) for kind, text in parser.items if normal(text)]


def normal(text: str) -> str:
    """Whitespace runs as one space; emoji in the form blogtui shows them (blogtui.safe)."""
    return re.sub(r"\s+", " ", sanitize(text)).strip()


# --- what we show ----------------------------------------------------------------------------


def _blocks(blocks: list[nodes.Block]) -> list[nodes.Block]:
    found: list[nodes.Block] = []
    for block in blocks:
        found.append(block)
        if isinstance(block, nodes.Quote | nodes.Callout):
            found += _blocks(block.blocks)
        elif isinstance(block, nodes.ListBlock):
            found += [b for item in block.items for b in _blocks(item)]
        elif isinstance(block, nodes.Definitions):
            found += [b for _, ds in block.items for d in ds for b in _blocks(d)]
        elif isinstance(block, nodes.Footnotes):
            found += [b for _, note in block.notes for b in _blocks(note)]
    return found


def _spans(spans: list[nodes.Span]) -> list[nodes.Span]:
    found: list[nodes.Span] = []
    for span in spans:
        found.append(span)
        if isinstance(span, nodes.Styled | nodes.Link):
            found += _spans(span.children)
    return found


def _cells(block: nodes.Table) -> list[list[nodes.Span]]:
    return [*block.head, *(cell for row in block.rows for cell in row)]


def _span_lists(block: nodes.Block) -> list[list[nodes.Span]]:
    if isinstance(block, nodes.Paragraph | nodes.Heading):
        return [block.spans]
    if isinstance(block, nodes.Table):
        return _cells(block)
    if isinstance(block, nodes.Callout):
        return [block.title]
    if isinstance(block, nodes.Definitions):
        return [term for term, _ in block.items]
    return []


def our_items(document: nodes.Document) -> dict[str, list[str]]:
    """Our items of each kind, as the plain renderer writes them, normalised."""
    items: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for block in _blocks(document.blocks):
        if isinstance(block, nodes.CodeBlock):
            items["code"].append(block.text)
        elif isinstance(block, nodes.Heading):
            items["heading"].append(spans_text(block.spans))
        elif isinstance(block, nodes.Table):
            items["cell"] += [spans_text(cell) for cell in _cells(block)]
        elif isinstance(block, nodes.Footnotes):
            items["footnote"] += [blocks_text(note) for _, note in block.notes]
        for spans in _span_lists(block):
            items["inline code"] += [s.text for s in _spans(spans) if isinstance(s, nodes.Code)]
    return {kind: [normal(text) for text in texts] for kind, texts in items.items()}


def our_additions(document: nodes.Document) -> Counter[str]:
    """What we add to the author's text, by kind: the labels of boxes, shortcodes said in
    words, figures and embeds described in a line."""
    found: Counter[str] = Counter()
    for block in _blocks(document.blocks):
        if isinstance(block, nodes.Callout):
            found["box label" if block.tone != "quiet" else "quiet section label"] += 1
        elif isinstance(block, nodes.Media):
            found[f"{block.kind} line"] += 1
        for spans in _span_lists(block):
            for span in _spans(spans):
                if isinstance(span, nodes.Label):
                    found["shortcode label"] += 1
                elif isinstance(span, nodes.Media):
                    found[f"{span.kind} line"] += 1
    return found


@dataclass(slots=True)
class Figures:
    """How one archive's items compare."""

    items: Counter[str] = field(default_factory=Counter)
    equal: int = 0
    adds: Counter[str] = field(default_factory=Counter)
    elsewhere: Counter[str] = field(default_factory=Counter)
    missing: list[tuple[str, str, str]] = field(default_factory=list)
    #: What we show that the oracle's stubbed build does not: by kind, how many.
    ours: Counter[str] = field(default_factory=Counter)

    def pinned(self) -> dict[str, object]:
        return {
            "items": sum(self.items.values()),
            "equal": self.equal,
            "adds": dict(self.adds),
            "elsewhere": dict(self.elsewhere),
            "ours": dict(self.ours),
        }


def compare(bodies: dict[str, str], root: Path) -> Figures:
    """Compare the oracle's bodies (by archive-relative path) with our posts of `root`."""
    figures = Figures()
    posts = {post.path: post for post in load(root, now=NOW).posts}
    for path, html in sorted(bodies.items()):
        post = posts.get(path)
        if post is None:
            continue
        document = parse(post.body, mdx=path.endswith(".mdx"))
        mine = our_items(document)
        figures.ours.update(our_additions(document))
        whole = normal("\n".join(post_header_lines(post)) + "\n\n" + document_text(document))
        for kind, text in html_items(html):
            figures.items[kind] += 1
            _judge(figures, path, kind, text, mine[kind], whole, post.body)
    return figures


def _judge(
    figures: Figures, path: str, kind: str, text: str, mine: list[str], whole: str, source: str
) -> None:
    if text in mine:
        figures.equal += 1
        return
    if any(text in ours for ours in mine):
        figures.adds[f"{kind}: label or shortcode text we add"] += 1
        return
    for reason, explains in ADMITTED.items():
        if explains(source, text) and (text in whole or reason.endswith("we hide")):
            figures.elsewhere[reason] += 1
            return
    figures.missing.append((path, kind, text[:300]))


def report(name: str, figures: Figures) -> None:
    """Print the figures (seen with `pytest -s`)."""
    total = sum(figures.items.values())
    share = 100 * figures.equal / total if total else 100.0
    kinds = ", ".join(f"{kind} {figures.items[kind]}" for kind in KINDS if figures.items[kind])
    print(
        f"\n{name}: {total} items ({kinds}); equal {figures.equal} ({share:.2f}%); "
        f"adds {dict(figures.adds)}; elsewhere {dict(figures.elsewhere)}; "
        f"missing {len(figures.missing)}; ours adds {dict(sorted(figures.ours.items()))}"
    )


# --- Hugo ------------------------------------------------------------------------------------


def hugo_site(content: Path, site: Path) -> Path:
    """A site around `content`: our config and layouts, a stub for every shortcode it calls."""
    shutil.copytree(ORACLE / "hugo-render", site, dirs_exist_ok=True)
    config = (site / "config.toml").read_text()
    (site / "config.toml").write_text(f"contentDir = {json.dumps(str(content))}\n{config}")
    closed: dict[str, bool] = {}
    for path in content.rglob("*.md"):
        if path.is_file():
            for slash, name in SHORTCODE.findall(path.read_text("utf-8", "replace")):
                closed[name] = closed.get(name, False) or bool(slash)
    for name, paired in closed.items():
        stub = site / "layouts" / "shortcodes" / f"{name}.html"
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("{{ .Inner }}" if paired else "")
    return site


def hugo_bodies(content: Path, site: Path) -> dict[str, str]:
    """Build `content` with Hugo and return every page's body HTML by path."""
    hugo = need("hugo")
    hugo_site(content, site)
    public = site / "public"
    run_tool(
        [hugo, "-s", str(site), "-d", str(public), "--quiet"],
        site,
        HUGO_CACHEDIR=str(site / "cache"),
    )
    pages = json.loads((public / "index.json").read_text("utf-8"))
    return {page["path"]: page["html"] for page in pages}


def archive_root(name: str) -> Path:
    root = DEMO if name == "demo" else CORPORA / name
    if not root.is_dir():
        pytest.skip(f"corpus {name} not found at {root}")
    return root


@pytest.mark.parametrize("name", HUGO_ARCHIVES)
def test_hugo_renders_nothing_we_do_not_show(
    name: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = archive_root(name)
    figures = compare(hugo_bodies(root, tmp_path_factory.mktemp(f"hugo-{name}")), root)
    report(name, figures)
    assert figures.missing == []
    assert figures.pinned() == FIGURES[name]


# --- Jekyll ----------------------------------------------------------------------------------


def test_jekyll_renders_nothing_we_do_not_show(tmp_path: Path) -> None:
    jekyll = need("jekyll")
    root = archive_root("jekyll-posts")
    site = tmp_path / "site"
    shutil.copytree(ORACLE / "jekyll-render", site)
    shutil.copytree(root, site / "_posts")
    dump = site / "dump.json"
    argv = [
        jekyll,
        "build",
        "--future",
        "--unpublished",
        "--drafts",
        "--quiet",
        "-s",
        str(site),
        "-d",
        str(site / "_site"),
    ]
    run_tool(argv, site, BLOGTUI_DUMP=str(dump), JEKYLL_ENV="production")
    bodies = {
        path.removeprefix("_posts/"): html for path, html in json.loads(dump.read_text()).items()
    }
    figures = compare(bodies, root)
    report("jekyll-posts", figures)
    assert figures.missing == []
    assert figures.pinned() == FIGURES["jekyll-posts"]


# --- the command prints what the comparison read -------------------------------------------------


def test_blogtui_cat_prints_the_plain_rendering_compared_above() -> None:
    root = archive_root("hugo-docs")
    path = "content-management/shortcodes.md"
    post = next(p for p in load(root, now=NOW).posts if p.path == path)
    argv = [sys.executable, "-m", "blogtui", "cat", "--no-pager", "-a", str(root), path]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == plain_post(post)
