"""The real `blogtui` command in a subprocess with pipes: outputs, exit codes, safety, speed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from blogtui import cli
from blogtui.cli.output import print_json

# A title carrying what a hostile file could try: clipboard write (OSC 52), a title change,
# a screen clear and a bell.
HOSTILE_TITLE = "Evil \x1b]52;c;cm0gLXJmIH4K\x07title \x1b]0;pwned\x07\x1b[2J\x1b[H\x07end"
HOSTILE_PAYLOADS = ("]52;", "]0;pwned", "\x1b[2J", "\x1b[H", "\x07", "\x1b]")

POSTS = {
    "posts/hello.md": """---
title: Hello World
date: 2024-03-01
tags: [Go, Web]
categories: [Dev]
---
# Greetings

Some **bold** text. {{< figure src="cat.jpg" caption="A cat" >}}

{{< youtube abc123 >}}

```python
print("hi")
```
""",
    "posts/second.md": """---
title: Second post
date: 2023-05-02
tags: [go]
draft: true
---
The second body mentions zebra.
""",
    "posts/hostile.md": f"""---
title: "{HOSTILE_TITLE.encode("unicode_escape").decode()}"
date: 2022-01-01
tags: ["x\\e[31mred", Web]
---
Body \x1b]52;c;cm0gLXJmIH4K\x07 with \x1b[2J escapes\x07.
""",
    "notes/undated.md": """---
title: An undated note
categories: [dev]
---
No date here.
""",
    "posts/dup.md": "---\ntitle: Dup one\ndate: 2021-01-01\n---\nfirst\n",
    "notes/dup.md": "---\ntitle: Dup two\ndate: 2020-01-01\n---\nsecond\n",
    "broken.md": "---\ntitle: [unclosed\ndate: 2020-02-02\n---\nbody\n",
}


def write_archive(root: Path, posts: dict[str, str] = POSTS) -> Path:
    for path, text in posts.items():
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "blog")


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m blogtui ARGS` with stdout and stderr piped."""
    return subprocess.run(
        [sys.executable, "-m", "blogtui", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def ok(*args: str, **kwargs: object) -> str:
    proc = run(*args, **kwargs)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def fails(code: int, *args: str, **kwargs: object) -> str:
    """Run, assert the exit code and a one-line `blogtui: ...` message; return the message."""
    proc = run(*args, **kwargs)  # type: ignore[arg-type]
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if "warning:" not in line]
    assert len(errors) == 1 and errors[0].startswith("blogtui: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return errors[0]


# --- list ----------------------------------------------------------------------------------


def test_list_piped_is_date_title_path_newest_first_undated_last(archive: Path) -> None:
    lines = ok("list", "-a", str(archive)).splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 3 for row in rows)
    assert rows[0] == ["2024-03-01", "Hello World", "posts/hello.md"]
    assert rows[-1] == ["undated", "An undated note", "notes/undated.md"]
    dates = [row[0] for row in rows]
    dated = [day for day in dates if day != "undated"]
    assert dated == sorted(dated, reverse=True)
    assert dates == dated + ["undated"] * (len(dates) - len(dated))  # every undated one last


def test_list_has_no_escape_codes_when_piped(archive: Path) -> None:
    out = ok("list", "-a", str(archive))
    assert "\x1b" not in out and "\x07" not in out


def test_color_always_styles_a_pipe(archive: Path) -> None:
    assert "\x1b[" in ok("list", "-a", str(archive), "--color", "always")
    assert "\x1b[" in ok("--color", "always", "list", "-a", str(archive))  # before the command
    assert "\x1b[" not in ok("list", "-a", str(archive), "--color", "never")


def test_color_always_overrides_no_color(archive: Path) -> None:
    out = ok("list", "-a", str(archive), "--color", "always", env={"NO_COLOR": "1"})
    assert "\x1b[" in out


def test_list_json_shape(archive: Path) -> None:
    posts = json.loads(ok("list", "-a", str(archive), "--json"))
    hello = next(post for post in posts if post["path"] == "posts/hello.md")
    for key in ("slug", "summary", "words", "lang", "section", "reading_minutes", "authors"):
        assert key in hello
    assert hello["title"] == "Hello World"
    assert hello["date"] == "2024-03-01T00:00:00Z"
    assert hello["tags"] == ["Go", "Web"]
    # "Dev" and "dev" are one category; the tie goes to the first by path (notes/undated.md).
    assert hello["categories"] == ["dev"]
    assert hello["draft"] is False and hello["future"] is False and hello["expired"] is False
    undated = next(post for post in posts if post["path"] == "notes/undated.md")
    assert undated["date"] is None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--tag", "GO"], ["posts/hello.md", "posts/second.md"]),
        (["--tag", "go", "--tag", "web"], ["posts/hello.md"]),
        (["--category", "DEV"], ["posts/hello.md", "notes/undated.md"]),
        (["--year", "2023"], ["posts/second.md"]),
        (["--tag", "go", "--no-drafts"], ["posts/hello.md"]),
        (["--limit", "2"], ["posts/hello.md", "posts/second.md"]),
        (["--sort", "title", "--category", "dev"], ["notes/undated.md", "posts/hello.md"]),
    ],
)
def test_list_filters(archive: Path, options: list[str], expected: list[str]) -> None:
    out = ok("list", "-a", str(archive), "--paths", *options)
    assert out.splitlines() == expected


def test_list_paths_nul_separated(archive: Path) -> None:
    out = ok("list", "-a", str(archive), "--tag", "go", "-0")
    assert out == "posts/hello.md\0posts/second.md\0"


def test_list_marks_drafts_in_the_table(archive: Path) -> None:
    out = ok("list", "-a", str(archive), "--color", "always", "--width", "100")
    line = next(line for line in out.splitlines() if "Second post" in line)
    assert "[draft]" in line


def test_archive_from_environment_and_positional_folder(archive: Path, tmp_path: Path) -> None:
    assert "posts/hello.md" in ok("list", env={"BLOGTUI_ARCHIVE": str(archive)})
    assert "posts/hello.md" in ok("list", cwd=archive)
    # No command and stdout not a terminal: the plain list.
    assert ok(str(archive)) == ok("list", "-a", str(archive))


def test_command_names_win_over_folders_but_dot_slash_opens_one(tmp_path: Path) -> None:
    folder = write_archive(tmp_path / "list", {"a.md": "---\ntitle: In list\n---\nx\n"})
    assert "In list" in ok("./list", cwd=tmp_path)
    assert ok("list", cwd=folder).startswith("undated\tIn list\t")


def test_per_file_problems_warn_without_changing_the_exit_code(archive: Path) -> None:
    proc = run("list", "-a", str(archive))
    assert proc.returncode == 0
    assert re.search(r"^blogtui: warning: broken\.md: ", proc.stderr, re.M), proc.stderr
    assert "broken" not in proc.stdout or "broken.md" in proc.stdout  # stdout carries data


# --- tags and categories -------------------------------------------------------------------


def test_tags_by_count_then_name(archive: Path) -> None:
    rows = [line.split("\t") for line in ok("tags", "-a", str(archive)).splitlines()]
    assert rows[:2] == [["Go", "2"], ["Web", "2"]]
    assert all("\x1b" not in name for name, _ in rows)


def test_categories_json(archive: Path) -> None:
    data = json.loads(ok("categories", "-a", str(archive), "--json"))
    assert data == [{"name": "dev", "count": 2}]  # Dev and dev merge


# --- cat -----------------------------------------------------------------------------------


def test_cat_by_relative_path_prints_header_then_body(archive: Path, tmp_path: Path) -> None:
    out = ok("cat", "-a", str(archive), "posts/hello.md", cwd=tmp_path)
    head, body = out.split("\n\n", 1)
    assert head.splitlines()[0] == "Hello World"
    assert "Date:       2024-03-01" in head and "Tags:       Go, Web" in head
    assert "Categories: Dev" in head and "Path:       posts/hello.md" in head
    assert body.startswith("# Greetings")
    assert "title:" not in body  # no front matter
    assert "[figure: A cat (cat.jpg)]" in body
    assert "[video: https://www.youtube.com/watch?v=abc123]" in body
    assert "\x1b" not in out


def test_cat_by_file_path_slug_and_tag_agree(archive: Path, tmp_path: Path) -> None:
    by_file = ok("cat", "-a", str(archive), str(archive / "posts/hello.md"))
    by_slug = ok("cat", "-a", str(archive), "hello")
    assert by_file == by_slug
    by_tag = ok("cat", "-a", str(archive), "--tag", "web", "--tag", "go")
    assert by_tag == by_slug


def test_cat_of_several_posts(archive: Path) -> None:
    out = ok("cat", "-a", str(archive), "hello", "posts/second.md")
    assert out.index("Hello World") < out.index("Second post")
    assert "Status:     draft" in out


def test_cat_raw_passes_bytes_unchanged_when_piped(archive: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "blogtui", "cat", "--raw", "-a", str(archive), "hostile"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert proc.stdout == (archive / "posts/hostile.md").read_bytes()


def test_cat_raw_with_color_always_escapes_controls(archive: Path) -> None:
    out = ok("cat", "--raw", "--color", "always", "-a", str(archive), "hostile")
    assert "\x1b" not in out and "\x07" not in out
    assert "^[]52;c;" in out and "^G" in out


def test_cat_color_always_renders_markdown(archive: Path) -> None:
    out = ok("cat", "--color", "always", "--width", "60", "-a", str(archive), "hello")
    assert "\x1b[" in out
    assert "# Greetings" not in out and "Greetings" in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert all(len(line) <= 60 for line in plain.splitlines())


# --- hostile text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["list", "--color", "always"],
        ["tags"],
        ["tags", "--color", "always"],
        ["cat", "hostile"],
        ["cat", "hostile", "--color", "always"],
        ["search", "escapes"],
        ["search", "escapes", "--json"],
        ["search", "escapes", "--color", "always"],
    ],
    ids=" ".join,
)
def test_hostile_title_never_reaches_output_raw(archive: Path, args: list[str]) -> None:
    proc = run(*args, "-a", str(archive))
    assert proc.returncode == 0, proc.stderr
    for payload in HOSTILE_PAYLOADS:
        assert payload not in proc.stdout, (payload, proc.stdout)
        assert payload not in proc.stderr
    assert "Evil" in proc.stdout or "evil" in proc.stdout.lower() or args[0] == "tags"


# --- search --------------------------------------------------------------------------------


def test_search_plain_blocks(archive: Path) -> None:
    out = ok("search", "zebra", "-a", str(archive))
    lines = out.splitlines()
    assert lines[0] == "Second post"
    assert lines[1] == "2023-05-02  posts/second.md"
    assert "zebra" in lines[2]
    assert "\x1b" not in out


def test_search_json_has_list_fields_score_snippet_marks(archive: Path) -> None:
    hits = json.loads(ok("search", "zebra", "--json", "-a", str(archive)))
    assert [hit["path"] for hit in hits] == ["posts/second.md"]
    hit = hits[0]
    assert hit["title"] == "Second post" and hit["draft"] is True
    assert isinstance(hit["score"], float)
    assert [hit["snippet"][a:b].lower() for a, b in hit["marks"]] == ["zebra"]


def test_search_limit_and_marks_on_color(archive: Path) -> None:
    hits = json.loads(ok("search", "go", "--json", "--limit", "1", "-a", str(archive)))
    assert len(hits) == 1
    styled = ok("search", "zebra", "--color", "always", "-a", str(archive))
    assert "\x1b[" in styled


# --- errors --------------------------------------------------------------------------------


def test_missing_archive_exits_2(tmp_path: Path) -> None:
    message = fails(2, "list", "-a", str(tmp_path / "nowhere"))
    assert "archive not found" in message and "nowhere" in message


def test_archive_that_is_a_file_exits_2(archive: Path) -> None:
    assert "not a folder" in fails(2, "list", "-a", str(archive / "broken.md"))


def test_bad_usage_exits_2(archive: Path) -> None:
    proc = run("list", "--frobnicate", "-a", str(archive))
    assert proc.returncode == 2 and "unrecognized arguments" in proc.stderr
    proc = run("list", "--limit", "-1", "-a", str(archive))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_nothing_matching_exits_1(archive: Path) -> None:
    assert "no posts match" in fails(1, "list", "-a", str(archive), "--tag", "nope")
    assert "no posts match" in fails(1, "cat", "-a", str(archive), "--tag", "nope")
    assert "no posts match" in fails(1, "search", "nothingmatchesthis", "-a", str(archive))


def test_empty_archive_exits_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "no posts" in fails(1, "list", "-a", str(tmp_path / "empty"))
    assert "no posts" in fails(1, "tags", "-a", str(tmp_path / "empty"))


def test_malformed_query_exits_2(archive: Path) -> None:
    assert "bad query" in fails(2, "search", "(unclosed", "-a", str(archive))


def test_cat_errors(archive: Path) -> None:
    assert "nowhere-slug" in fails(2, "cat", "-a", str(archive), "nowhere-slug")
    message = fails(2, "cat", "-a", str(archive), "dup")
    assert "ambiguous" in message and "posts/dup.md" in message and "notes/dup.md" in message
    assert "cat needs" in fails(2, "cat", "-a", str(archive))


def test_missing_config_file_exits_2(archive: Path, tmp_path: Path) -> None:
    assert "config" in fails(2, "list", "-a", str(archive), "--config", str(tmp_path / "no.toml"))


def test_closed_pipe_ends_quietly_with_0(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("---\ntitle: Big\n---\n" + "a line of text\n" * 200_000, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "blogtui", "cat", "-a", str(tmp_path), str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_ctrl_c_ends_quietly_with_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(argv: list[str]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert cli.main(["list"]) == 130


# --- the command itself --------------------------------------------------------------------


def test_version_and_help_with_examples() -> None:
    assert re.fullmatch(r"blogtui \d+\.\d+\.\d+\S*\n", ok("--version"))
    assert "examples:" in ok("--help")
    for command in cli.COMMANDS:
        assert "examples:" in ok(command, "--help"), command


def test_textual_and_rich_stay_unimported_on_piped_commands(archive: Path) -> None:
    for args in (["list"], ["cat", "hello"], ["search", "zebra"], ["tags"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "blogtui", *args, "-a", str(archive)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
        assert not {m for m in imported if m.split(".")[0] == "textual"}, args
        assert not {m for m in imported if m.split(".")[0] == "rich"}, args


def test_index_reports_counts_and_where(archive: Path, isolated_home: Path) -> None:
    first = ok("index", "-a", str(archive))
    counts = dict(line.split(": ") for line in first.splitlines())
    assert counts["posts"] == "7"  # broken.md counts too: a post with what could be read
    assert counts["problems"] == "1"
    assert int(counts["added"]) == 7
    (archive / "posts/new.md").write_text("---\ntitle: New\n---\nnew\n", encoding="utf-8")
    again = dict(line.split(": ") for line in ok("index", "-a", str(archive)).splitlines())
    assert again["added"] == "1" and again["changed"] == "0"
    where = ok("index", "--where", "-a", str(archive)).strip()
    assert Path(where).is_relative_to(isolated_home / "cache")
    rebuilt = dict(
        line.split(": ") for line in ok("index", "--rebuild", "-a", str(archive)).splitlines()
    )
    assert rebuilt["posts"] == rebuilt["added"] == "8"


def test_no_command_without_a_terminal_prints_the_list(archive: Path) -> None:
    assert ok(cwd=archive) == ok("list", cwd=archive)


def test_a_bug_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(argv: list[str]) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_run", broken)
    assert cli.main(["list"]) == 70
    assert capsys.readouterr().err == (
        "blogtui: internal error: RuntimeError: boom (BLOGTUI_DEBUG=1 shows more)\n"
    )


def test_cat_by_query(archive: Path) -> None:
    out = ok("cat", "-a", str(archive), "--query", "zebra")
    assert out.startswith("Second post\n") and "The second body mentions zebra." in out


# --- the real corpora (read in place; cat of a path needs no index) ------------------------


@pytest.mark.corpora
def test_corpus_cat_keeps_escaped_shortcodes_literal() -> None:
    from tests.conftest import corpus

    out = ok("cat", "-a", str(corpus("hugo-docs")), "shortcodes/highlight.md")
    assert out.startswith("Highlight shortcode\n")
    assert "{{< highlight LANG OPTIONS >}}\nCODE\n{{< /highlight >}}" in out
    assert "{{</*" not in out


@pytest.mark.corpora
def test_corpus_cat_keeps_liquid_inside_raw() -> None:
    from tests.conftest import corpus

    root = corpus("jekyll-posts")
    out = ok("cat", "-a", str(root), "2018-01-25-jekyll-3-7-2-released.md")
    assert "`{% post_url %}` or `{% link %}`" in out
    assert "{% raw %}" not in out


@pytest.mark.corpora
def test_corpus_cat_header_and_figures() -> None:
    from tests.conftest import corpus

    root = corpus("kerthcet-homepage")
    head = ok("cat", "-a", str(root), "posts/new_chapter_in_2025.md").split("\n\n")[0]
    assert head.splitlines()[2:] == [
        "Date:       2025-06-29",
        "By:         kerthcet",
        "Tags:       2025",
        "Categories: Work",
        "Path:       posts/new_chapter_in_2025.md",
    ]
    talk = ok("cat", "-a", str(root), "talks/sig-scheduling_deepdive_2023.md")
    assert "[figure: session (/images/talks/kubeconeu_scheduler_2023.jpg)]" in talk
    assert "{{<" not in talk


@pytest.mark.parametrize("dirty", ["a\x9b2Jb", "a\x7fb", "a\x1b[2Jb", "a\rb", "a\udcffb"])
def test_json_strings_are_sanitised(dirty: str, capsys: pytest.CaptureFixture[str]) -> None:
    print_json([{"title": dirty, "tags": [dirty], dirty: 1}])
    printed = json.loads(capsys.readouterr().out)
    assert printed[0]["title"] in ("ab", "a\ufffdb")
    assert printed[0]["tags"] == [printed[0]["title"]]
    assert printed[0][printed[0]["title"]] == 1


def test_config_archive_is_the_default_archive(
    archive: Path, tmp_path: Path, isolated_home: Path
) -> None:
    config = isolated_home / "config" / "blogtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'archive = "{archive}"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "notes/dup.md" in ok("list", "--paths", cwd=elsewhere).splitlines()
    # -a still wins over the config file
    fails(1, "list", "-a", str(elsewhere), cwd=elsewhere)


@pytest.mark.parametrize(
    "argv",
    [["search", "nothingxyz", "--json"], ["list", "--tag", "nope", "--json"]],
)
def test_json_with_no_posts_is_an_empty_array_and_exit_1(archive: Path, argv: list[str]) -> None:
    proc = run(*argv, "-a", str(archive))
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == []
    assert proc.stderr.splitlines()[-1].startswith("blogtui: no posts match")


def test_a_bad_config_value_is_reported_and_the_rest_still_used(
    archive: Path, tmp_path: Path
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(f'sort = "nope"\narchive = "{archive}"\n', encoding="utf-8")
    proc = run("list", "--paths", "--config", str(config), cwd=tmp_path)
    assert proc.returncode == 0 and "notes/dup.md" in proc.stdout.splitlines()
    assert f"blogtui: warning: {config}:1: sort:" in proc.stderr


def test_a_negated_word_is_part_of_the_query_not_an_option(archive: Path) -> None:
    with_negation = ok("search", "-a", str(archive), "body", "-zebra", "--limit", "0")
    assert with_negation == ok("search", "-a", str(archive), "body -zebra", "--limit", "0")
    assert "Second post" in ok("search", "-a", str(archive), "body", "--limit", "0")
    assert "Second post" not in with_negation  # the post that mentions zebra
    assert "unrecognized arguments: --bogus" in run("search", "body", "--bogus").stderr


# --- front-matter keys, notices, Unicode names (issues 12 and 14) ---------------------------

_NFD_NAME = unicodedata.normalize("NFD", "only-café.md")
KEYED = {
    "a.md": "---\ntitle: A\nseries: Intro\nextra:\n  team: Core\n---\nversion 3.7.2 here\n",
    "b.md": "+++\ntitle = 'B'\nseries = ['Intro', 'Deep']\n+++\nbody\n",
    "c.md": "---\ntitle: C\n---\nbody\n",
    _NFD_NAME: "---\ntitle: Café\ntags: [İstanbul]\n---\nwritten with an NFD name\n",
}


def test_fields_lists_each_key_with_its_post_count(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "keys", KEYED)
    rows = [line.split("\t") for line in ok("fields", "-a", str(root)).splitlines()]
    assert rows == [
        ["title", "4"],
        ["series", "2"],
        ["extra", "1"],
        ["extra.team", "1"],
        ["tags", "1"],
    ]
    data = json.loads(ok("fields", "-a", str(root), "--json"))
    assert data[:2] == [{"name": "title", "count": 4}, {"name": "series", "count": 2}]


def test_search_by_any_key_and_the_notices_on_stderr(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "keys", KEYED)
    out = ok("search", "series:deep", "-a", str(root))
    assert out.splitlines()[0] == "B"
    unknown = run("search", "nosuchkey:x", "-a", str(root))
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert "no post has the front-matter key 'nosuchkey'" in unknown.stderr
    vanished = run("search", "!!!", "-a", str(root))
    assert vanished.returncode == 1 and vanished.stdout == ""
    assert "'!!!' has no letters or digits to search for" in vanished.stderr


def test_cat_finds_an_nfd_file_typed_in_nfc_and_prints_its_own_name(tmp_path: Path) -> None:
    """Finding 16: `cat only-café` with the name on disk in NFD (as macOS writes it)."""
    root = write_archive(tmp_path / "keys", KEYED)
    out = ok("cat", "only-café", "-a", str(root))
    assert out.startswith("Café\n") and _NFD_NAME in out
    hits = json.loads(ok("search", "path:café", "-a", str(root), "--json"))
    assert [h["path"] for h in hits] == [_NFD_NAME]
    assert json.loads(ok("search", "tag:istanbul", "-a", str(root), "--json"))[0]["title"] == "Café"
