"""Template tags of every generator, found in text and said in words.

Hugo shortcodes (`{{< x >}}`, `{{% x %}}`), Liquid and Nunjucks tags (`{% x %}`, Jekyll,
Hexo, Eleventy), Zola/Tera shortcodes (`{{ x(a=1) }}`, `{% x() %}…{% end %}`) and the Go
blog's template actions (`{{image "a.png"}}`) are parsed into one `Tag`, and `meaning`
says what a reader should see for it. The markdown rules (blogtui.markup.rules) call these
only outside code, so a tag written inside code is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Dialect = Literal["hugo", "liquid", "zola", "go", "html"]

_HUGO = re.compile(
    r"\{\{(?P<open>[<%])\s*(?P<close>/)?\s*(?P<name>[\w.-]+(?:/[\w.-]+)*)"
    r"(?P<args>(?:[^>%\"`]|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|[>%](?!\}\}))*?)"
    r"\s*(?P<self>/)?\s*(?P<end>[>%])\}\}",
    re.DOTALL,
)
_HUGO_ESCAPED = re.compile(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", re.DOTALL)
_ZOLA_ESCAPED = re.compile(
    r"\{([{%])/\*\s*(\w+\s*\((?:[^()\"']|\"[^\"]*\"|'[^']*')*\)|end)\s*\*/([}%])\}"
)
_ZOLA = re.compile(
    r"\{(?P<open>[{%])-?\s*(?P<name>\w+)\s*\((?P<args>(?:[^()\"']|\"(?:[^\"\\]|\\.)*\"|'[^']*')*)\)"
    r"\s*-?(?P<end>[}%])\}"
)
_LIQUID = re.compile(
    r"\{%-?\s*(?P<name>\w+)(?P<args>(?:[^%\"']|\"[^\"]*\"|'[^']*'|%(?!\}))*?)\s*-?%\}"
)
_GO = re.compile(
    r"\{\{(?P<name>[a-z]\w*)\s+(?P<args>(?:\"(?:[^\"\\]|\\.)*\"|`[^`]*`|[^}\"`])*)\}\}"
)
_ARG = re.compile(
    r"""(?:([\w-]+)\s*(?:=|:(?!//))\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|[^\s,()"'`]+)"""
)


@dataclass(frozen=True, slots=True)
class Tag:
    """One template tag found at a position of a text.

    `name` is lower case, `-` for `_`; a closing tag (`{{< /x >}}`, `{% endx %}`,
    `{% end %}`) names what it closes. `literal` is set for an escaped tag, which shows as
    written without its escape (`{{</* x */>}}` reads `{{< x >}}`).
    """

    dialect: Dialect
    name: str
    start: int
    end: int
    closing: bool = False
    self_closing: bool = False
    positional: tuple[str, ...] = ()
    named: dict[str, str] = field(default_factory=dict)
    literal: str | None = None
    block: bool = False  # Zola's `{% x() %}` and Liquid's `{% x %}` may open a body

    def arg(self, *keys: str, position: int | None = 0) -> str:
        """The first named argument present among `keys`, else the positional one."""
        for key in keys:
            if self.named.get(key):
                return self.named[key]
        if position is not None and position < len(self.positional):
            return self.positional[position]
        return ""


def _key(name: str) -> str:
    return name.lower().replace("_", "-")


def _args(raw: str) -> tuple[tuple[str, ...], dict[str, str]]:
    positional: list[str] = []
    named: dict[str, str] = {}
    for key, value in _ARG.findall(raw):
        if len(value) >= 2 and value[0] in "\"`'" and value[-1] == value[0]:
            value = value[1:-1].replace('\\"', '"')
        if key:
            named[_key(key)] = value
        else:
            positional.append(value)
    return tuple(positional), named


def unescape_code(code: str) -> str:
    """Code with the generators' escaped tags as they show them: `{{</* x */>}}` reads
    `{{< x >}}` (Hugo runs shortcodes even inside code; authors escape them so)."""
    if "/*" not in code:
        return code
    code = _HUGO_ESCAPED.sub(lambda m: "{{" + m[1] + m[2] + m[3] + "}}", code)
    return _ZOLA_ESCAPED.sub(lambda m: "{" + m[1] + " " + m[2] + " " + m[3] + "}", code)


def tag_at(text: str, pos: int) -> Tag | None:
    """The template tag starting at `text[pos]` (which must be `{`), or None."""
    if text.startswith(("{{<", "{{%"), pos):
        return _hugo_at(text, pos)
    if text.startswith("{{/*", pos) or text.startswith("{%/*", pos):
        return _zola_escaped_at(text, pos)
    if text.startswith("{%", pos):
        return _zola_at(text, pos) or _liquid_at(text, pos)
    if text.startswith("{{", pos):
        return _zola_at(text, pos) or _go_at(text, pos)
    return None


def _hugo_at(text: str, pos: int) -> Tag | None:
    escaped = _HUGO_ESCAPED.match(text, pos)
    if escaped:
        literal = "{{" + escaped[1] + escaped[2] + escaped[3] + "}}"
        return Tag("hugo", "", pos, escaped.end(), literal=literal)
    match = _HUGO.match(text, pos)
    if match is None or {"<": ">", "%": "%"}[match["open"]] != match["end"]:
        return None
    positional, named = _args(match["args"])
    return Tag(
        "hugo",
        _key(match["name"]),
        pos,
        match.end(),
        closing=bool(match["close"]),
        self_closing=bool(match["self"]),
        positional=positional,
        named=named,
    )


def _zola_escaped_at(text: str, pos: int) -> Tag | None:
    match = _ZOLA_ESCAPED.match(text, pos)
    if match is None:
        return None
    literal = "{" + match[1] + " " + match[2] + " " + match[3] + "}"
    return Tag("zola", "", pos, match.end(), literal=literal)


def _zola_at(text: str, pos: int) -> Tag | None:
    match = _ZOLA.match(text, pos)
    if match is None or {"{": "}", "%": "%"}[match["open"]] != match["end"]:
        if text.startswith("{%", pos) and re.match(r"\{%-?\s*end\s*-?%\}", text[pos:]):
            end = text.index("%}", pos) + 2
            return Tag("zola", "", pos, end, closing=True)
        return None
    positional, named = _args(match["args"])
    block = match["open"] == "%"
    return Tag(
        "zola",
        _key(match["name"]),
        pos,
        match.end(),
        positional=positional,
        named=named,
        block=block,
    )


def _liquid_at(text: str, pos: int) -> Tag | None:
    match = _LIQUID.match(text, pos)
    if match is None:
        return None
    name = _key(match["name"])
    positional, named = _args(match["args"])
    if name.startswith("end") and len(name) > 3:
        return Tag("liquid", name[3:], pos, match.end(), closing=True)
    return Tag("liquid", name, pos, match.end(), positional=positional, named=named, block=True)


def _go_at(text: str, pos: int) -> Tag | None:
    match = _GO.match(text, pos)
    if match is None or _key(match["name"]) not in GO_ACTIONS:
        return None
    positional, named = _args(match["args"])
    return Tag("go", _key(match["name"]), pos, match.end(), positional=positional, named=named)


def find_closer(text: str, opener: Tag, limit: int | None = None) -> Tag | None:
    """The tag closing `opener` in `text` after it (same name, nesting counted), or None."""
    end = len(text) if limit is None else limit
    depth = 0
    pos = text.find("{", opener.end, end)
    while 0 <= pos < end:
        tag = tag_at(text, pos)
        if tag is None:
            pos = text.find("{", pos + 1, end)
            continue
        if tag.dialect == opener.dialect and tag.literal is None:
            if tag.closing and (tag.name == opener.name or opener.dialect == "zola"):
                if depth == 0:
                    return tag if tag.end <= end else None
                depth -= 1
            elif not tag.closing and _opens_like(tag, opener):
                depth += 1
        pos = text.find("{", tag.end, end)
    return None


def _opens_like(tag: Tag, opener: Tag) -> bool:
    if opener.dialect == "zola":
        return tag.block
    return tag.name == opener.name and not tag.self_closing


# --- what a tag means -----------------------------------------------------------------------

Kind = Literal[
    "code",
    "math",
    "callout",
    "details",
    "tabs",
    "tab",
    "table",
    "media",
    "link",
    "text",
    "label",
    "drop",
    "section",
    "transparent",
    "include",
    "quote",
]


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a reader should see for a tag: a kind and the words that go with it."""

    kind: Kind
    label: str = ""
    text: str = ""
    url: str = ""
    tone: str = "quiet"


#: The Go blog's template actions (golang/website); others are not Go template calls.
GO_ACTIONS = frozenset({"image", "video", "code", "play", "raw"})

#: Tags whose inside is code: shown verbatim as a code block.
CODE_TAGS = frozenset(
    {
        "highlight",
        "code",
        "code-toggle",
        "codeblock",
        "syntax",
        "prism",
        "chroma",
        "raw",
        "include-code",
        "source",
        "codefile",
        "snippet",
        "verbatim",
        "mermaid",
        "plantuml",
    }
)
MATH_TAGS = frozenset({"math", "katex", "mathjax", "latex", "tex", "equation"})
#: Kinds of callout, in every dialect's words, with the tone each is drawn in.
CALLOUT_TONES: dict[str, str] = {
    **dict.fromkeys(
        [
            "note",
            "info",
            "information",
            "abstract",
            "summary",
            "tldr",
            "todo",
            "seealso",
            "example",
            "quote",
            "cite",
            "primary",
            "secondary",
            "default",
            "light",
            "dark",
            "notice",
            "aside",
            "memo",
            "remark",
            "comment",
            "reference",
            "version",
            "deprecated",
            "released",
            "new",
            "blue",
        ],
        "note",
    ),
    **dict.fromkeys(
        [
            "tip",
            "hint",
            "success",
            "check",
            "done",
            "question",
            "help",
            "faq",
            "green",
            "idea",
            "good",
            "ok",
        ],
        "tip",
    ),
    **dict.fromkeys(["important", "key", "purple"], "important"),
    **dict.fromkeys(["warning", "warn", "caution", "attention", "orange", "yellow"], "warning"),
    **dict.fromkeys(
        [
            "danger",
            "error",
            "failure",
            "fail",
            "missing",
            "bug",
            "alert",
            "red",
            "critical",
            "fatal",
            "security",
        ],
        "danger",
    ),
}
#: Container tags that only say "a callout", the kind coming from an argument.
CALLOUT_CONTAINERS = frozenset(
    {
        "alert",
        "admonition",
        "callout",
        "notice",
        "notices",
        "hint",
        "note",
        "message",
        "box",
        "panel",
        "infobox",
        "aside",
        "blockquote-alert",
        "alerts",
        "pageinfo",
    }
)
DETAILS_TAGS = frozenset({"details", "expand", "collapse", "spoiler", "toggle", "accordion"})
TABS_TAGS = frozenset({"tabs", "tabpane", "tab-pane", "tabgroup", "code-tabs", "codetabs"})
TAB_TAGS = frozenset({"tab", "tabitem", "tab-item"})
#: Liquid/Nunjucks/Tera tags that compute rather than show: dropped, their body kept.
CONTROL_TAGS = frozenset(
    {
        "if",
        "elsif",
        "else",
        "elif",
        "unless",
        "for",
        "case",
        "when",
        "capture",
        "assign",
        "increment",
        "decrement",
        "cycle",
        "tablerow",
        "break",
        "continue",
        "set",
        "with",
        "block",
        "extends",
        "macro",
        "filter",
        "import",
        "from",
        "call",
        "endwith",
        "liquid",
        "echo",
        "render",
        "seo",
        "feed-meta",
        "comment",
        "endcomment",
        "set-var",
    }
)
TEXT_KEYS = ("text", "title", "caption", "label", "name", "term", "alt", "content", "summary")


def _words(name: str) -> str:
    return name.replace("-", " ").replace("/", " ").strip()


#: Labels spelled out where a dialect abbreviates them.
_LABELS = {
    "warn": "Warning",
    "info": "Info",
    "tldr": "TL;DR",
    "faq": "FAQ",
    "todo": "To do",
    "seealso": "See also",
    "err": "Error",
}


def callout_label(kind: str) -> str:
    """The label a callout of `kind` shows: `warn` reads Warning, `see-also` See also."""
    kind = kind.lower()
    return _LABELS.get(kind) or kind.replace("-", " ").replace("_", " ").capitalize()


#: The arguments that may name a callout's kind (`{{< alert color="warning" >}}`).
_KIND_KEYS = ("type", "color", "level", "style", "theme", "class", "kind")


def callout_kind(tag: Tag) -> tuple[str, str] | None:
    """(label, tone) when the tag is a callout: `note`, `{{< alert color=warning >}}`..."""
    if tag.name in CALLOUT_TONES and tag.name not in CALLOUT_CONTAINERS:
        return callout_label(tag.name), CALLOUT_TONES[tag.name]
    if tag.name not in CALLOUT_CONTAINERS:
        return None
    named = (tag.named.get(key, "") for key in _KIND_KEYS)
    for word in (*named, *tag.positional):
        word = word.lower()
        if word in CALLOUT_TONES:
            return callout_label(word), CALLOUT_TONES[word]
    return callout_label(tag.name), CALLOUT_TONES.get(tag.name, "note")


def meaning(tag: Tag, paired: bool) -> Meaning:
    """What the opening (or single) tag `tag` means; `paired` if a closing tag follows."""
    name = tag.name
    if tag.dialect == "go":
        return _go_meaning(tag)
    if paired:
        return _paired_meaning(tag)
    if name in CONTROL_TAGS or (tag.dialect == "liquid" and name in {"raw", "endraw"}):
        return Meaning("drop")
    return _single_meaning(tag)


def _paired_meaning(tag: Tag) -> Meaning:
    name = tag.name
    if name in CODE_TAGS:
        lang = tag.arg("lang", "language", "type", position=None) or _code_lang(tag)
        title = tag.arg("file", "filename", "title", "caption", position=None)
        if name in {"mermaid", "plantuml"}:
            lang = name
        return Meaning("code", label=lang, text=title)
    if name in MATH_TAGS:
        return Meaning("math")
    if (kind := callout_kind(tag)) is not None:
        return Meaning("callout", label=kind[0], tone=kind[1], text=tag.arg("title", position=None))
    if name in DETAILS_TAGS:
        return Meaning("details", label="details", text=tag.arg("summary", "title", "label"))
    if name in TABS_TAGS:
        return Meaning("tabs")
    if name in TAB_TAGS:
        return Meaning("tab", label=tag.arg("name", "title", "label", "header"))
    if name == "table":
        return Meaning("table", text=tag.arg("caption", "title", position=None))
    if name in CONTROL_TAGS:
        return Meaning("transparent")
    title = tag.arg(*TEXT_KEYS, position=None)
    return Meaning("section", label=_words(name), text=title)


def _code_lang(tag: Tag) -> str:
    """Liquid `{% highlight ruby linenos %}`, Hexo `{% codeblock title lang:js %}`."""
    if tag.dialect == "liquid" and tag.name == "codeblock":
        return ""
    first = tag.positional[0] if tag.positional else ""
    return first if re.fullmatch(r"[\w+#.-]+", first) and "." not in first else ""


def _single_meaning(tag: Tag) -> Meaning:
    name = tag.name
    if name in {
        "figure",
        "img",
        "image",
        "asset-img",
        "asset-image",
        "picture",
        "imgproc",
        "resize",
        "gallery-image",
    }:
        src = tag.arg("src", "link", "url", "path")
        text = tag.arg("caption", "title", "alt", position=None)
        if not text and tag.dialect == "liquid" and len(tag.positional) > 1:
            text = " ".join(tag.positional[1:])
        return Meaning("media", label="figure" if name == "figure" else "image", url=src, text=text)
    if (video := _video_url(tag)) is not None:
        return Meaning("media", label="video", url=video, text=tag.arg("title", position=None))
    if name == "gist":
        return Meaning(
            "media", label="gist", url="https://gist.github.com/" + "/".join(tag.positional[:2])
        )
    if name in {"x", "tweet", "twitter"}:
        user, ident = tag.named.get("user", ""), tag.named.get("id", "")
        if not (user and ident) and len(tag.positional) >= 2:
            user, ident = tag.positional[0], tag.positional[1]
        url = f"https://x.com/{user}/status/{ident}" if user else tag.arg("id")
        return Meaning("media", label="post", url=url)
    if name in {
        "instagram",
        "codepen",
        "jsfiddle",
        "iframe",
        "embed",
        "bluesky",
        "mastodon",
        "spotify",
        "soundcloud",
        "slideshare",
        "speakerdeck",
    }:
        return Meaning("media", label=name, url=tag.arg("src", "url", "id"))
    if name in {"ref", "relref", "post-url", "link", "doc", "abs-url", "rel-url"}:
        target = tag.arg("path", "url")
        return Meaning("link", text=target, url=target)
    if name in {"include", "include-relative", "readfile", "include-file", "partial", "render"}:
        return Meaning("include", label="include", text=tag.arg("path", "file", "src"))
    if name in {"new-in", "deprecated-in", "version", "since", "added-in"}:
        return Meaning("label", label=" ".join([_words(name), *tag.positional]))
    if name in {"param", "site-param", "siteparam"}:
        return Meaning("label", label="param: " + tag.arg("name"))
    if name in {"more", "toc", "table-of-contents", "br", "clear", "pagebreak", "comment"}:
        return Meaning("drop")
    text = tag.arg(*TEXT_KEYS, position=None)
    if text:
        return Meaning("text", text=text, label=_words(name))
    shown = " ".join([_words(name), *tag.positional])
    return Meaning("label", label=shown)


def _video_url(tag: Tag) -> str | None:
    ident = tag.arg("id", "src", "url", "video")
    if tag.name in {"youtube", "youtube-nocookie", "yt", "youtube-lite", "lite-youtube"}:
        return ident if ident.startswith("http") else f"https://www.youtube.com/watch?v={ident}"
    if tag.name == "vimeo":
        return ident if ident.startswith("http") else f"https://vimeo.com/{ident}"
    if tag.name in {"video", "audio", "bilibili", "asciinema", "peertube", "loom"}:
        return ident
    return None


def _go_meaning(tag: Tag) -> Meaning:
    first = tag.positional[0] if tag.positional else ""
    if tag.name == "image":
        return Meaning("media", label="image", url=first, text=tag.arg("alt", position=None))
    if tag.name == "video":
        return Meaning("media", label="video", url=first)
    if tag.name == "raw":
        return Meaning("text", text=first)
    return Meaning("include", label=tag.name, text=first)  # code, play: text from a .go file
