"""The command line forgives a newcomer: typos named as such, what --limit cut, defaults in
--help, the same header on a terminal as in a pipe, `undated`, and shell completion."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from blogtui.cli.commands import COMMANDS
from blogtui.cli.errors import CliError
from blogtui.cli.parser import build_parser, command_parser, parse
from tests.test_cli import fails, ok, run, write_archive

NAMES = [command.name for command in COMMANDS]
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")

POSTS = {
    "posts/first.md": "---\ntitle: First go post\ndate: 2024-01-02\ntags: [go]\n---\ngo one\n",
    "posts/second.md": "---\ntitle: Second go post\ndate: 2023-01-02\ntags: [go]\n---\ngo two\n",
    "posts/third.md": "---\ntitle: Third go post\ndate: 2022-01-02\ntags: [go]\n---\ngo three\n",
    "notes/loose.md": """---
title: A loose note about go
authors: [Ada Byron, Lin Wei]
tags: [go, Notes]
categories: [Misc]
draft: true
---
Nothing dates this go note.
""",
}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "blog", POSTS)


def terminal_run(
    *args: str, stdout_on_terminal: bool = False, cwd: Path | None = None
) -> tuple[str, str]:
    """`python -m blogtui ARGS` with stderr (and stdout if asked) on a 100x40 pseudo-terminal.

    Returns (what went to the stdout pipe, what reached the terminal), escape codes removed.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "PAGER": "cat", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "blogtui", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_on_terminal else subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=cwd,
    )
    os.close(slave)
    screen: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(master, screen), daemon=True)
    reader.start()
    piped, _ = proc.communicate(timeout=60)
    reader.join(timeout=30)
    os.close(master)
    text = b"".join(screen).decode("utf-8", "replace").replace("\r\n", "\n")
    return (piped or b"").decode("utf-8", "replace"), ANSI.sub("", text)


def _drain(master: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            return
        if not chunk:
            return
        into.append(chunk)


# --- an unknown command --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serach", "foo"], "blogtui: unknown command 'serach'; did you mean search?"),
        (["lsit", "--tag", "x"], "blogtui: unknown command 'lsit'; did you mean list?"),
        (["lsit"], "blogtui: unknown command 'lsit'; did you mean list?"),
        (["tag"], "blogtui: unknown command 'tag'; did you mean tags?"),
        (["Search", "go"], "blogtui: unknown command 'Search'; did you mean search?"),
        (["cate"], "blogtui: unknown command 'cate'; did you mean categories or cat?"),
        (["--color", "never", "idnex"], "blogtui: unknown command 'idnex'; did you mean index?"),
    ],
)
def test_a_mistyped_command_is_named_with_the_nearest(
    archive: Path, argv: list[str], message: str
) -> None:
    line = fails(2, *argv, cwd=archive)
    assert line == message
    assert "invalid choice" not in line and "archive not found" not in line


def test_a_mistyped_command_after_the_archive_is_named_too(archive: Path) -> None:
    assert fails(2, str(archive), "serach", "foo") == (
        "blogtui: unknown command 'serach'; did you mean search?"
    )
    assert fails(2, "-a", str(archive), "serach", "foo").endswith("did you mean search?")


def test_a_word_like_no_command_that_a_command_would_follow_lists_the_commands(
    archive: Path,
) -> None:
    listed = "commands: cat, outline, links, related, list, search, tags, categories, fields, index"
    assert fails(2, "frob", "foo", cwd=archive) == f"blogtui: unknown command 'frob'; {listed}"
    assert fails(2, "frob", "--tag", "x", cwd=archive).endswith(listed)
    assert fails(2, str(archive), "frob").endswith(listed)


def test_a_word_like_no_command_is_still_a_missing_archive(archive: Path) -> None:
    assert fails(2, "nowhere", cwd=archive) == "blogtui: archive not found: nowhere"
    assert fails(2, "frob", "list", cwd=archive) == "blogtui: archive not found: frob"
    assert fails(2, "./lsit", cwd=archive) == "blogtui: archive not found: ./lsit"
    assert fails(2, "--", "lsit", cwd=archive) == "blogtui: archive not found: lsit"


def test_an_existing_folder_opens_whatever_its_name(tmp_path: Path) -> None:
    write_archive(tmp_path / "lsit", {"a.md": "---\ntitle: In lsit\n---\nx\n"})
    write_archive(tmp_path / "search", {"b.md": "---\ntitle: In search\n---\ny\n"})
    assert ok("lsit", cwd=tmp_path) == "undated\tIn lsit\ta.md\n"
    assert ok(str(tmp_path / "lsit")) == "undated\tIn lsit\ta.md\n"
    assert ok("./search", cwd=tmp_path) == "undated\tIn search\tb.md\n"
    assert ok(str(tmp_path / "lsit"), "list", "--paths") == "a.md\n"


def test_a_mistyped_option_suggests_the_nearest(archive: Path) -> None:
    proc = run("list", "-a", str(archive), "--tga", "go")
    assert proc.returncode == 2
    assert "unrecognized arguments: --tga go; did you mean --tag?" in proc.stderr
    proc = run("search", "go", "-a", str(archive), "--limt", "3")
    assert "unrecognized arguments: --limt 3; did you mean --limit?" in proc.stderr
    assert "did you mean" not in run("list", "-a", str(archive), "--zzzzzz").stderr


@pytest.mark.parametrize("name", NAMES)
def test_every_command_with_one_slip_of_the_finger_is_recognised(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process, over every command: two letters swapped, one dropped, one doubled."""
    monkeypatch.chdir(tmp_path)  # no folder named like the typo
    slips = {name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(len(name) - 1)}
    slips |= {name[:i] + name[i + 1 :] for i in range(len(name))} if len(name) > 3 else set()
    slips |= {name[:i] + name[i] + name[i:] for i in range(len(name))}
    for slip in sorted(slips - set(NAMES)):
        with pytest.raises(CliError) as caught:
            parse(build_parser(), [slip, "word"])
        assert str(caught.value).startswith(f"unknown command {slip!r}; did you mean"), slip
        assert name in str(caught.value), slip


@pytest.mark.parametrize("folder", ["archive", "blog", "content", "site", "src", "posts", "docs"])
def test_folder_names_are_never_taken_for_mistyped_commands(folder: str, tmp_path: Path) -> None:
    message = fails(2, folder, cwd=tmp_path)
    assert message == f"blogtui: archive not found: {folder}"


# --- what --limit cut ----------------------------------------------------------------------


def test_a_cut_result_says_so_on_a_terminal(archive: Path) -> None:
    out, screen = terminal_run("search", "go", "-a", str(archive), "--limit", "2")
    assert out.count("go post") == 2
    assert "blogtui: 2 of 4 shown; --limit 0 for all" in screen
    _, screen = terminal_run("list", "-a", str(archive), "--limit", "3", "--json")
    assert "blogtui: 3 of 4 shown; --limit 0 for all" in screen
    _, screen = terminal_run("search", "go", "-a", str(archive), "--limit", "2", "--tag", "notes")
    assert "shown" not in screen  # one match: nothing was cut


def test_a_whole_result_or_a_pipe_says_nothing(archive: Path) -> None:
    for argv in (["search", "go", "--limit", "0"], ["list"], ["search", "go"]):
        _, screen = terminal_run(*argv, "-a", str(archive))
        assert "shown" not in screen, argv
    proc = run("search", "go", "-a", str(archive), "--limit", "2")
    assert proc.returncode == 0 and proc.stderr == ""


def test_the_default_search_limit_is_twenty_and_says_what_it_cut(tmp_path: Path) -> None:
    posts = {
        f"p{n:02}.md": f"---\ntitle: Post {n}\ndate: 2024-01-01\n---\nkubernetes\n"
        for n in range(22)
    }
    root = write_archive(tmp_path / "many", posts)
    out, screen = terminal_run("search", "kubernetes", "-a", str(root))
    assert out.count("Post ") == 20
    assert "blogtui: 20 of 22 shown; --limit 0 for all" in screen


# --- defaults in --help --------------------------------------------------------------------

#: Options that take a value but have no default to state: a selector and an action.
NO_DEFAULT = {"--query", "--print-completion"}


@pytest.mark.parametrize("name", ["", *NAMES], ids=lambda name: name or "blogtui")
def test_every_option_with_a_value_states_its_default_in_help(name: str) -> None:
    main = build_parser()
    commands = {command.name: command for command in COMMANDS}
    parser = command_parser(main, commands[name]) if name else main
    argv = [name] if name else []
    text = ok(*argv, "--help")
    entries = re.split(r"\n(?=  -)", text.split("options:", 1)[1])
    checked = 0
    for action in parser._actions:
        longest = max(action.option_strings, key=len, default="")
        if action.nargs == 0 or not longest or longest in NO_DEFAULT:
            continue
        (entry,) = [e for e in entries if re.match(rf"  (-\w [A-Z]+, )?{longest}\b", e)]
        assert "(default: " in " ".join(entry.split()), entry
        checked += 1
    assert checked >= 4  # --archive, --color, --width, --config at least


@pytest.mark.parametrize(
    ("command", "stated"),
    [
        ("search", ["--limit N", "(default: 20)", "(default: relevance)"]),
        ("list", ["(default: 0)", "(default: date)"]),
    ],
)
def test_limits_and_orders_state_their_defaults(command: str, stated: list[str]) -> None:
    text = " ".join(ok(command, "--help").split())
    for phrase in stated:
        assert phrase in text


# --- the same header on a terminal and in a pipe; undated ----------------------------------


def test_cat_shows_the_same_header_fields_on_a_terminal_and_in_a_pipe(archive: Path) -> None:
    piped = ok("cat", "-a", str(archive), "notes/loose.md")
    fields = dict(
        re.match(r"(\w+):\s+(.*)", line).groups()  # type: ignore[union-attr]
        for line in piped.split("\n\n", 1)[0].splitlines()[2:]
    )
    assert fields == {
        "Date": "undated",
        "By": "Ada Byron, Lin Wei",
        "Tags": "go, Notes",
        "Categories": "Misc",
        "Status": "draft",
        "Path": "notes/loose.md",
    }
    out, screen = terminal_run(
        "cat", "-a", str(archive), "notes/loose.md", "--no-pager", stdout_on_terminal=True
    )
    assert out == ""
    header = screen.split("Nothing dates", 1)[0]
    for value in fields.values():
        assert value in header, (value, header)
    assert "Nothing dates this go note." in screen


@pytest.mark.parametrize(
    "argv",
    [
        ["cat", "notes/loose.md"],
        ["cat", "notes/loose.md", "--color", "always"],
        ["list"],
        ["list", "--color", "always"],
        ["search", "nothing dates"],
        ["search", "nothing dates", "--color", "always"],
    ],
)
def test_an_undated_post_says_undated_never_a_lone_dash(archive: Path, argv: list[str]) -> None:
    out = ANSI.sub("", ok(*argv, "-a", str(archive)))
    assert "undated" in out
    assert not re.search(r"(^|\s)-(\s|$)", out), out


def test_list_columns_stay_three_tab_separated_fields(archive: Path) -> None:
    rows = [line.split("\t") for line in ok("list", "-a", str(archive)).splitlines()]
    assert all(len(row) == 3 for row in rows)
    assert rows[-1] == ["undated", "A loose note about go", "notes/loose.md"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d|undated", row[0]) for row in rows)


# --- shell completion ----------------------------------------------------------------------


def completion(shell: str) -> str:
    return ok("--print-completion", shell)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script_naming_every_command(shell: str) -> None:
    script = completion(shell)
    assert "shtab" in script  # generated, not written by hand
    for name in NAMES:
        assert re.search(rf"\b{name}\b", script), name


def test_an_unknown_shell_is_bad_usage() -> None:
    proc = run("--print-completion", "tcsh")
    assert proc.returncode == 2 and "invalid choice: 'tcsh'" in proc.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_script_is_valid_for_its_shell(shell: str, tmp_path: Path) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    script = tmp_path / f"blogtui.{shell}"
    script.write_text(completion(shell), encoding="utf-8")
    proc = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder with two subfolders and a post file, for path completion."""
    (tmp_path / "work" / "blog-one").mkdir(parents=True)
    (tmp_path / "work" / "blog-two").mkdir()
    (tmp_path / "work" / "post.md").write_text("x", encoding="utf-8")
    return tmp_path / "work"


def bash_completes(script: Path, cwd: Path, *words: str) -> list[str]:
    """What bash's completion function offers for `words` (the last is being typed)."""
    program = (
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); '
        '_shtab_blogtui; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    proc = subprocess.run(
        ["bash", "-c", program, "_", str(script), *words],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=30,
        check=True,
    )
    return sorted(proc.stdout.split())


def test_bash_completes_commands_options_choices_and_paths(workdir: Path, tmp_path: Path) -> None:
    script = tmp_path / "blogtui.bash"
    script.write_text(completion("bash"), encoding="utf-8")
    first = bash_completes(script, workdir, "blogtui", "")
    assert set(NAMES) <= set(first) and {"blog-one", "blog-two"} <= set(first)
    assert "post.md" not in first  # the first word is a command or an archive folder
    assert bash_completes(script, workdir, "blogtui", "se") == ["search"]
    assert bash_completes(script, workdir, "blogtui", "-a", "") == ["blog-one", "blog-two"]
    assert "post.md" in bash_completes(script, workdir, "blogtui", "cat", "")
    assert bash_completes(script, workdir, "blogtui", "list", "--sort", "") == ["date", "title"]
    assert bash_completes(script, workdir, "blogtui", "search", "--li") == ["--limit"]
    assert "--paths" in bash_completes(script, workdir, "blogtui", "list", "--")
    shells = bash_completes(script, workdir, "blogtui", "--print-completion", "")
    assert shells == ["bash", "fish", "zsh"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_commands_options_and_paths(workdir: Path, tmp_path: Path) -> None:
    script = tmp_path / "blogtui.fish"
    script.write_text(completion("fish"), encoding="utf-8")

    def offered(line: str) -> list[str]:
        command = f"source {script}; complete -C '{line}'"
        proc = subprocess.run(
            ["fish", "--no-config", "-c", command],
            capture_output=True,
            text=True,
            cwd=workdir,
            timeout=30,
            check=True,
        )
        return sorted(row.split("\t")[0] for row in proc.stdout.splitlines())

    assert set(offered("blogtui ")) == {*NAMES, "blog-one/", "blog-two/"}
    assert offered("blogtui -a ") == ["blog-one/", "blog-two/"]
    assert "post.md" in offered("blogtui cat ")
    assert offered("blogtui search --sort ") == ["date", "relevance", "title"]


@pytest.mark.terminal
@pytest.mark.skipif(
    shutil.which("zsh") is None or shutil.which("tmux") is None, reason="needs zsh and tmux"
)
def test_zsh_lists_commands_and_folders_at_tab(workdir: Path, tmp_path: Path) -> None:
    """zsh completes only inside its line editor: type into a real zsh in tmux, press TAB."""
    functions = tmp_path / "zfunc"
    functions.mkdir()
    (functions / "_blogtui").write_text(completion("zsh"), encoding="utf-8")
    socket = f"blogtui-zsh-{os.getpid()}-{tmp_path.name}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    shell = f"cd {workdir} && ZDOTDIR={tmp_path} zsh -f -i"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "t", "-x", "120", "-y", "30", shell],
        check=True,
        timeout=30,
    )
    try:
        setup = (
            f"fpath=({functions} $fpath); autoload -U compinit && compinit -u; echo READY-$((40+2))"
        )
        subprocess.run([*tmux, "send-keys", "-t", "t", setup, "Enter"], check=True, timeout=30)
        _wait_for(tmux, "READY-42")
        subprocess.run([*tmux, "send-keys", "-t", "t", "blogtui ", "Tab"], check=True, timeout=30)
        screen = _wait_for(tmux, "blog-two/")
        for name in NAMES:
            assert re.search(rf"^{name}\s+-- ", screen, re.M), (name, screen)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, timeout=30)


def _wait_for(tmux: list[str], text: str, timeout: float = 20.0) -> str:
    import time

    deadline = time.monotonic() + timeout
    while True:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True, timeout=30
        ).stdout
        if text in screen:
            return screen
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} never appeared:\n{screen}")
        time.sleep(0.1)


def test_commands_never_import_shtab(archive: Path) -> None:
    code = (
        "import sys; from blogtui.cli import main; main(['list', '-a', sys.argv[1]]); "
        "print('shtab' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(archive)], capture_output=True, text=True, timeout=60
    )
    assert proc.stderr.strip() == "False"
