"""Mistyped commands and options: the names closest to what was typed, and the message."""

from __future__ import annotations

from collections.abc import Sequence

from blogtui.cli.errors import CliError

#: How alike a typed word and a command must be (difflib's ratio) to be offered: `lsit` and
#: `list` score 0.75, `serach` and `search` 0.83, while folder names such as `archive`,
#: `src` or `site` stay below it against every command.
CUTOFF = 0.7
#: Options are a closed set (no folder can be mistaken for one): `--tga` for `--tag` is 0.67.
OPTION_CUTOFF = 0.6


def close_names(word: str, names: Sequence[str]) -> list[str]:
    """The names `word` most likely meant, best first, at most three: the names it begins
    (two letters or more: `sea`, `cate`), those one slip away (`act`, `lst`), then those
    difflib finds alike (`serach`)."""
    import difflib  # only for a word that names no command

    typed = word.casefold()
    begun = [name for name in names if len(typed) >= 2 and name.startswith(typed)]
    slipped = [name for name in names if one_slip(typed, name)]
    alike = difflib.get_close_matches(typed, names, n=3, cutoff=CUTOFF)
    return [name for name in dict.fromkeys([*begun, *slipped, *alike]) if name != word][:3]


def one_slip(typed: str, name: str) -> bool:
    """Whether `typed` is `name` with one letter dropped, added or changed, or two
    neighbours swapped (Damerau's one edit): short names score low with difflib."""
    if typed == name or abs(len(typed) - len(name)) > 1:
        return False
    start = 0
    while start < min(len(typed), len(name)) and typed[start] == name[start]:
        start += 1
    a, b = typed[start:], name[start:]  # from the first letter where they differ
    return (
        a[1:] == b[1:]  # one letter changed
        or a[1:] == b  # one added
        or a == b[1:]  # one dropped
        or (a[:2] == b[1::-1] and a[2:] == b[2:])  # two neighbours swapped
    )


def suggestion(close: Sequence[str]) -> str:
    """`; did you mean X?` or `; did you mean X or Y?`, or nothing when nothing is close."""
    if not close:
        return ""
    *others, last = close
    return f"; did you mean {', '.join(others) + ' or ' if others else ''}{last}?"


def unknown_command(word: str, names: Sequence[str]) -> CliError:
    """The error for a word in the command's place that names no command (exit 2)."""
    close = close_names(word, names)
    if close:
        return CliError(f"unknown command {word!r}{suggestion(close)}")
    return CliError(f"unknown command {word!r}; commands: {', '.join(names)}")


def close_options(token: str, options: Sequence[str]) -> list[str]:
    """The long options `--tga` (or `--tga=x`) most likely meant, compared without dashes;
    argparse already takes unambiguous abbreviations, so only likeness counts here."""
    import difflib  # only for an unknown option

    typed = token.split("=", 1)[0].lstrip("-").casefold()
    longs = {option.lstrip("-"): option for option in options if option.startswith("--")}
    alike = difflib.get_close_matches(typed, list(longs), n=3, cutoff=OPTION_CUTOFF)
    return [longs[name] for name in alike]
