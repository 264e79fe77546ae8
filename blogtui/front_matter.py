"""Front matter formats as python-frontmatter handlers: where each starts and ends, how it loads.

Our rules are more tolerant than the library's stock handlers (Hugo's, in practice): leading
blank lines, a BOM or CRLF line ends (already gone: parse.py decodes first), a longer
`------` line and trailing blanks on the delimiters, TOML between `+++` lines, one JSON
object at the start. We call each handler's detect, split and load ourselves rather than
`frontmatter.parse`/`loads`, which strip the body and take a failed split for "no front
matter": here the body stays byte for byte and bad front matter is reported.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler

from blogtui import fences

#: A YAML document whose aliases would expand to more nodes than this is refused.
MAX_YAML_NODES = 100_000
#: YAML nested deeper than this is refused (libyaml's C composer would overflow the stack).
MAX_YAML_DEPTH = 1000
#: Plain YAML scalars whose resolved tag is remembered (bounded: values are untrusted).
MAX_TAG_MEMO = 50_000
#: At most this many front-matter values of a post are kept for `KEY:VALUE` queries, from
#: tables at most this deep, each value cut to this many characters.
MAX_PARAMS = 512
MAX_PARAM_DEPTH = 6
MAX_PARAM_CHARS = 2000


class FrontMatterError(ValueError):
    """Front matter that cannot be read; the message is the problem shown to the user."""


class Handler(BaseHandler):
    """A front matter format: its opening line, its closing line (FM_BOUNDARY), its loader.

    `split` raises FrontMatterError when the front matter has no end (the whole text is
    then the body); `load` raises it when the front matter between them is malformed.
    """

    KIND = ""
    OPENING: re.Pattern[str]

    def detect(self, text: str) -> bool:
        """Whether `text` (from its first non-blank line) opens with this format."""
        return self.OPENING.match(text) is not None

    def split(self, text: str) -> tuple[str, str]:
        """(front matter, body) of a text `detect` accepted; the body exactly as written."""
        assert self.FM_BOUNDARY is not None
        split = fences.fenced(text, self.OPENING, self.FM_BOUNDARY)
        if split is None:
            raise FrontMatterError(f"{self.KIND} front matter is never closed; read as body")
        return split

    def load(self, fm: str, **kwargs: object) -> Any:
        raise NotImplementedError

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        """blogtui only reads: nothing is ever written back into an archive."""
        raise NotImplementedError("blogtui never writes front matter")


class YAMLHandler(Handler):
    """YAML between `---` lines (or longer dash lines), loaded with libyaml, bounded.

    `keys`: the top-level keys (lower-cased) worth constructing; libyaml composes the node
    tree in C, and constructing the rest in Python is where PyYAML spends its time.
    """

    KIND = "YAML"
    OPENING = fences.YAML_OPENING
    FM_BOUNDARY = fences.YAML_BOUNDARY
    START_DELIMITER = END_DELIMITER = "---"

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__()
        self.keys = keys

    def load(self, fm: str, **kwargs: object) -> Any:
        try:
            if _may_nest_deeply(fm):
                _check_depth(fm)
            return self._construct(fm)
        except yaml.YAMLError as error:
            raise FrontMatterError(f"YAML front matter: {_yaml_reason(error)}") from None
        except RecursionError:
            raise FrontMatterError("YAML front matter: nested too deeply") from None

    def _construct(self, fm: str) -> Any:
        loader = _Loader(fm)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            rest: list[tuple[yaml.Node, yaml.Node]] = []
            if isinstance(node, yaml.MappingNode):
                rest = [p for p in node.value if not self._wanted(p[0])]
                node = yaml.MappingNode(node.tag, [p for p in node.value if self._wanted(p[0])])
            if "&" in fm and "*" in fm:
                _check_alias_expansion(node)
            data = loader.construct_document(node)
            if rest and isinstance(data, dict):
                for key, value in _plain_pairs(rest):
                    data.setdefault(key, value)
            return data
        finally:
            loader.dispose()

    def _wanted(self, key: yaml.Node) -> bool:
        """A top-level key a Post reads (or a merge key `<<`, which may bring such keys)."""
        if not isinstance(key, yaml.ScalarNode):
            return False
        return key.value.strip().lower() in self.keys or key.value == "<<"


def _plain_pairs(pairs: list[tuple[yaml.Node, yaml.Node]]) -> Iterator[tuple[str, Any]]:
    """The keys no reader reads, as plain text, lists and tables straight from the nodes
    (no tag resolution: `version: 3.10` stays "3.10"), for `params_of`; a bounded walk, so
    aliases cannot make it expand."""
    budget = [MAX_PARAMS]
    for key, value in pairs:
        if isinstance(key, yaml.ScalarNode) and key.value != "<<":
            yield key.value, _plain(value, budget, 0)


def _plain(node: yaml.Node, budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_PARAM_DEPTH:
        return None
    if isinstance(node, yaml.ScalarNode):
        plain_null = node.style is None and node.value in ("", "~", "null", "Null", "NULL")
        return None if plain_null else node.value
    if isinstance(node, yaml.SequenceNode):
        return [_plain(child, budget, depth + 1) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        return {
            k.value: _plain(v, budget, depth + 1)
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode)
        }
    return None


class TOMLHandler(Handler):
    """TOML between `+++` lines, loaded with tomllib."""

    KIND = "TOML"
    OPENING = fences.TOML_OPENING
    FM_BOUNDARY = fences.TOML_BOUNDARY
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        try:
            return tomllib.loads(fm)
        except tomllib.TOMLDecodeError as error:
            raise FrontMatterError(f"TOML front matter: {error}") from None
        except RecursionError:
            raise FrontMatterError("TOML front matter: nested too deeply") from None


class JSONHandler(Handler):
    """Hugo's JSON front matter: one object at the start, the body from the next line on."""

    KIND = "JSON"
    OPENING = fences.JSON_OPENING
    FM_BOUNDARY = re.compile(r"\}")  # unused: the end is where the object ends
    START_DELIMITER = END_DELIMITER = ""

    def split(self, text: str) -> tuple[str, str]:
        try:
            return fences.json_object(text)
        except ValueError as error:
            raise FrontMatterError(f"JSON front matter: {error}") from None
        except RecursionError:
            raise FrontMatterError("JSON front matter: nested too deeply") from None

    def load(self, fm: str, **kwargs: object) -> Any:
        try:
            return json.loads(fm)
        except (ValueError, RecursionError) as error:  # split decoded it once already
            raise FrontMatterError(f"JSON front matter: {error}") from None


def split_front_matter(
    text: str, handlers: tuple[Handler, ...], problems: list[str]
) -> tuple[dict[str, Any], str]:
    """The front matter (keys lower-cased) and the body of `text` (LF line ends).

    Leading blank lines may precede the front matter. Problems are appended to `problems`:
    front matter that never ends is read as body, malformed front matter is dropped.
    """
    start = fences.LEADING_BLANKS.match(text).end()  # type: ignore[union-attr]  # always matches
    rest = text[start:] if start else text
    handler = next((h for h in handlers if h.detect(rest)), None)
    if handler is None:
        return {}, text
    try:
        fm, body = handler.split(rest)
    except FrontMatterError as error:
        problems.append(str(error))
        return {}, text
    try:
        raw = handler.load(fm)
    except FrontMatterError as error:
        problems.append(str(error))
        return {}, body
    return _as_mapping(raw, handler.KIND, problems), body


def _as_mapping(raw: object, kind: str, problems: list[str]) -> dict[str, Any]:
    """Front matter keys lower-cased; a non-mapping is reported (an empty block is not)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{kind} front matter is a {type(raw).__name__}, not a mapping; ignored")
        return {}
    meta: dict[str, Any] = {}
    for key, value in raw.items():
        meta.setdefault(str(key).strip().lower(), value)
    return meta


# --- YAML, safely -------------------------------------------------------------------------


class _Loader(yaml.CSafeLoader):
    """libyaml's safe loader, keeping an impossible timestamp (`2023-02-30`) as its text."""

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """A scalar's implicit tag, remembered per plain value; quoted scalars are strings.

        libyaml calls this for every scalar, and the stock version runs its regexes each
        time; an archive repeats the same keys, tags and dates thousands of times. Without
        path resolvers (none are registered) the tag depends on nothing but the value."""
        if kind is not yaml.ScalarNode:
            return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        if not implicit[0]:
            return str(self.DEFAULT_SCALAR_TAG)
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
            if len(_PLAIN_TAGS) < MAX_TAG_MEMO:
                _PLAIN_TAGS[value] = tag
        return tag


#: Plain YAML scalar -> its resolved tag.
_PLAIN_TAGS: dict[str, str] = {}


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _may_nest_deeply(source: str) -> bool:
    """Cheap bound: every nesting level costs at least one of these characters."""
    marks = sum(source.count(mark) for mark in ("[", "{", "-", "?", ":", "\n"))
    return marks > MAX_YAML_DEPTH


def _check_depth(source: str) -> None:
    """Refuse nesting beyond MAX_YAML_DEPTH before libyaml's composer (which recurses in C
    and crashes the interpreter on a few tens of thousands of levels) ever sees it."""
    loader = _Loader(source)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise FrontMatterError(
                        f"YAML front matter: nested more than {MAX_YAML_DEPTH} levels deep"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                return
    finally:
        loader.dispose()


def _yaml_reason(error: yaml.YAMLError) -> str:
    """One line from a PyYAML error: what went wrong and where (in the file's lines)."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark
        where = f" at line {mark.line + 2}" if mark is not None else ""
        return f"{error.problem or error.context}{where}"
    return str(error).splitlines()[0]


def _check_alias_expansion(root: yaml.Node | None) -> None:
    """Refuse a document whose aliases expand past MAX_YAML_NODES (a 'billion laughs')."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            total = 1 + sum(sizes.get(id(child), 0) for child in children)
            if total > MAX_YAML_NODES:
                raise FrontMatterError(
                    f"YAML front matter: aliases expand to more than {MAX_YAML_NODES} nodes"
                )
            sizes[id(node)] = total
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


# --- every key, for KEY:VALUE queries ------------------------------------------------------

#: A post's front matter flattened: (key, value) pairs, keys lower-cased and dotted for nested
#: tables (`extra.team`), a list giving one pair per item; "" marks a key with no scalar
#: value (null, an empty list, a table), so that the key itself is known.
Params = tuple[tuple[str, str], ...]


def params_of(meta: Mapping[str, Any]) -> Params:
    """Every scalar and list value of the front matter, by dotted key (bounded)."""
    out: list[tuple[str, str]] = []
    for key, value in meta.items():
        _flatten(_param_key(key), value, out, 0)
        if len(out) >= MAX_PARAMS:
            break
    return tuple(out[:MAX_PARAMS])


def _param_key(key: object) -> str:
    return " ".join(str(key).split()).lower().replace("\x1f", "")


def _flatten(key: str, value: object, out: list[tuple[str, str]], depth: int) -> None:
    if len(out) >= MAX_PARAMS or depth > MAX_PARAM_DEPTH or not key:
        return
    if isinstance(value, Mapping):
        out.append((key, ""))
        for sub, item in value.items():
            _flatten(f"{key}.{_param_key(sub)}", item, out, depth + 1)
    elif isinstance(value, list | tuple):
        before = len(out)
        for item in value:
            _flatten(key, item, out, depth + 1)
        if len(out) == before:
            out.append((key, ""))
    else:
        out.append((key, _param_text(value)))


def _param_text(value: object) -> str:
    """A scalar as text: booleans as true/false, dates in ISO form, None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)[:MAX_PARAM_CHARS]
