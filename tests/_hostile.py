"""Test helpers for reliability: hostile archives, tree fingerprints, privilege drops, runs.

Everything hostile is generated into a tmp dir at test time (nothing large is committed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Every subprocess gets this long; a hang is a failure, not a stuck CI job.
TIMEOUT = 60.0

# ---------------------------------------------------------------------------------------------
# Running the command


def blogtui_argv(*args: str) -> list[str]:
    """The argv of the real command, as the interpreter running the tests sees it."""
    return [sys.executable, "-m", "blogtui", *args]


def run(
    *args: str,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    timeout: float = TIMEOUT,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `blogtui ARGS` with stdout and stderr piped; bytes out, so nothing is decoded away."""
    return subprocess.run(
        [*prefix, *blogtui_argv(*args)],
        capture_output=True,
        env=env if env is not None else dict(os.environ),
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


def listed(
    archive: Path, *extra: str, env: dict[str, str] | None = None
) -> list[dict[str, object]]:
    """`blogtui list --json` of an archive, asserting it exits 0."""
    proc = run("list", "-a", str(archive), "--json", *extra, env=env)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data


def searched(
    archive: Path, query: str, *, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess[bytes]:
    """`blogtui search --json --limit 0` (all hits), not asserting anything."""
    args = ("search", "-a", str(archive), query, "--json", "--limit", "0")
    return run(*args, env=env, prefix=prefix)


# ---------------------------------------------------------------------------------------------
# The TUI in tmux


@contextlib.contextmanager
def tmux_server(folder: Path) -> Iterator[list[str]]:
    """A private tmux server (its own socket, so parallel tests never meet); killed after."""
    base = ["tmux", "-S", str(folder / "tmux.sock")]
    try:
        yield base
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, check=False)


def screen(tmux: list[str]) -> str:
    """What the tmux pane shows now."""
    proc = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, check=False)
    return proc.stdout.decode(errors="replace")


def wait_for(tmux: list[str], text: str, timeout: float = 30.0) -> str:
    """Poll the pane until `text` shows (or fail with what it shows)."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(tmux)
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen shows:\n{shown}")


def start_tui(tmux: list[str], root: Path) -> None:
    """Start the real TUI on `root` in a 120x40 pane with the test's environment."""
    exports = [f"{key}={os.environ[key]}" for key in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")]
    size = ["-x", "120", "-y", "40"]
    command = ["env", *exports, "TERM=xterm-256color", *blogtui_argv(str(root))]
    # remain-on-exit keeps a crashed TUI's traceback on screen for the failure message
    keep = [";", "set-option", "-g", "remain-on-exit", "on"]
    subprocess.run([*tmux, "new-session", "-d", *size, *command, *keep], check=True)


def keys(tmux: list[str], *pressed: str) -> None:
    """Send keys to the pane, a little apart, as a person would."""
    for key in pressed:
        subprocess.run([*tmux, "send-keys", key], check=True)
        time.sleep(0.15)


# ---------------------------------------------------------------------------------------------
# Dropping privileges (the tests run as root, which ignores file permissions)

#: nobody, keeping only CAP_DAC_READ_SEARCH: it may read and traverse anything (the interpreter
#: lives under /root, mode 0700) but write nothing that is not its own or world-writable.
NOBODY = (
    "setpriv",
    "--reuid=nobody",
    "--regid=nogroup",
    "--clear-groups",
    "--inh-caps=-all,+dac_read_search",
    "--ambient-caps=+dac_read_search",
)
#: root without any capability: file modes bind it (a mode-000 file it owns is unreadable).
NO_CAPS = ("setpriv", "--inh-caps=-all", "--bounding-set=-all")


def _probe(prefix: Sequence[str], code: str) -> bool:
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-c", code], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def privilege_drop_problem() -> str | None:
    """None when NOBODY and NO_CAPS work here, else why not (for a skip reason)."""
    if os.geteuid() != 0:
        return "not running as root: cannot switch to nobody (the unprivileged case is moot)"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    if not _probe(NOBODY, "import os, blogtui; assert os.getuid() != 0"):
        return "setpriv cannot run the interpreter as nobody with CAP_DAC_READ_SEARCH"
    if not _probe(NO_CAPS, "import blogtui; open('/proc/self/status')"):
        return "setpriv cannot drop root's capabilities"
    return None


def nobody_owns(path: Path) -> None:
    """Give a directory tree to nobody (for caches nobody must be able to write)."""
    for entry in [path, *path.rglob("*")]:
        os.lchown(entry, 65534, 65534)


def make_read_only(root: Path) -> None:
    """Modes a non-root user cannot write through: files 0444, folders 0555 (root-owned)."""
    for entry in [*root.rglob("*"), root]:
        if entry.is_symlink():
            continue
        entry.chmod(0o555 if entry.is_dir() else 0o444)


@contextlib.contextmanager
def read_only_bind(source: Path, target: Path) -> Iterator[Path | None]:
    """`source` bind-mounted read-only at `target` (EROFS even for root), or None if not here."""
    target.mkdir(parents=True, exist_ok=True)
    ok = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True)
    if ok.returncode != 0:
        yield None
        return
    try:
        ro = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, check=False
        )
        yield target if ro.returncode == 0 else None
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


@contextlib.contextmanager
def tiny_tmpfs(target: Path, size: str = "64k") -> Iterator[Path | None]:
    """A tmpfs of `size` mounted at `target` (a disk that fills at once), or None if not here."""
    target.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        yield None
        return
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)


# ---------------------------------------------------------------------------------------------
# Fingerprints: proof that nothing in a tree changed


def fingerprint(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `root` (root included, links not followed) -> what a write would move.

    Content hash, size, mode, mtime_ns and ctime_ns for files; mode, mtime and ctime for
    folders (adding or removing an entry moves them); the target for symlinks. atime is left
    out: reading may move it.
    """
    prints: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in ["", *dirnames, *filenames]:
            path = Path(dirpath, name) if name else Path(dirpath)
            key = path.relative_to(root).as_posix()
            if key in prints:
                continue
            prints[key] = _entry_print(path)
    return prints


def _entry_print(path: Path) -> tuple[object, ...]:
    info = path.lstat()
    common = (stat.S_IFMT(info.st_mode), info.st_mode, info.st_size, info.st_mtime_ns)
    common += (info.st_ctime_ns, info.st_ino, info.st_nlink, info.st_uid)
    if stat.S_ISLNK(info.st_mode):
        return (*common, os.readlink(path))
    if stat.S_ISREG(info.st_mode) and info.st_mode & 0o444:
        return (*common, _sha256(path))
    return common


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def changes(
    before: dict[str, tuple[object, ...]], after: dict[str, tuple[object, ...]]
) -> list[str]:
    """What differs between two fingerprints, one readable line per entry."""
    lines = [f"added: {key}" for key in sorted(after.keys() - before.keys())]
    lines += [f"removed: {key}" for key in sorted(before.keys() - after.keys())]
    lines += [
        f"changed: {key}: {before[key]} -> {after[key]}"
        for key in sorted(before.keys() & after.keys())
        if before[key] != after[key]
    ]
    return lines


# ---------------------------------------------------------------------------------------------
# Generated archives

_LETTERS = "bcdfghjklmnpqrstvwxz"
_FILLER_TEXT = (
    "the garden path wound past the river where old boats rested under willow trees "
    "and a quiet morning light fell across the water while birds argued in the reeds"
)
_FILLER = _FILLER_TEXT.split()


def marker(number: int) -> str:
    """A word found in exactly one generated post: letters only, so no tokenizer splits it."""
    word = "zq"
    while True:
        number, digit = divmod(number, len(_LETTERS))
        word += _LETTERS[digit]
        if number == 0:
            return word + "ux"


def good_post(number: int, *, paragraphs: int = 3) -> str:
    """A plain YAML post: title `Good post N`, tag `good`, its marker word and some filler."""
    words = [_FILLER[(number * 7 + i) % len(_FILLER)] for i in range(60)]
    body = "\n\n".join(" ".join(words) for _ in range(paragraphs))
    return (
        "---\n"
        f"title: Good post {number}\n"
        f"date: 2024-{number % 12 + 1:02d}-{number % 28 + 1:02d}\n"
        "tags: [good, steady]\n"
        "categories: [Notes]\n"
        "---\n\n"
        f"A post that loads. Its own word is {marker(number)}.\n\n{body}\n"
    )


def write_good_posts(
    root: Path, count: int, *, folder: str = "posts", paragraphs: int = 3, start: int = 0
) -> list[str]:
    """Write good posts number `start`.. under root/folder; return their relative paths."""
    (root / folder).mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        rel = f"{folder}/good-{number:05d}.md"
        (root / rel).write_text(good_post(number, paragraphs=paragraphs), encoding="utf-8")
        paths.append(rel)
    return paths


@dataclass(slots=True)
class HostileTree:
    """A generated archive of good posts mixed with hostile entries, and what to expect."""

    root: Path
    outside: Path  # a folder beside the archive that symlinks point into
    good: list[str] = field(default_factory=list)
    #: Hostile entries that must be reported on stderr (path and reason).
    must_report: list[str] = field(default_factory=list)
    #: Hostile entries that must be a post (with what could be read) or a reported problem.
    post_or_report: list[str] = field(default_factory=list)
    #: Entries that must never be listed (not followed, not a regular file, ...).
    never_listed: list[str] = field(default_factory=list)


def _billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines)


def _fm(text: str) -> str:
    return f"---\n{text}\n---\n\nBody text of a hostile post.\n"


def hostile_files(big: bool) -> dict[str, bytes]:
    """Archive-relative path -> bytes of each hostile regular file (the 50 MB one if `big`)."""
    bomb = _billion_laughs()
    files: dict[str, bytes] = {
        "bad/alias-bomb-tags.md": _fm(f"{bomb}\ntitle: Bomb in tags\ntags: *a8").encode(),
        "bad/alias-bomb-title.md": _fm(f"{bomb}\ntitle: *a8").encode(),
        "bad/alias-bomb-unused.md": _fm(f"{bomb}\ntitle: Bomb in a key nobody reads").encode(),
        "bad/deep-yaml.md": _fm("title: Deep\nparams: " + "[" * 10_000 + "]" * 10_000).encode(),
        "bad/deep-yaml-block.md": _fm(
            "title: Deep block\n" + "".join(f"{' ' * i}k{i}:\n" for i in range(2_000))
        ).encode(),
        "bad/deep-toml.md": (
            "+++\ntitle = 'Deep TOML'\nparams = " + "[" * 10_000 + "]" * 10_000 + "\n+++\n\nBody\n"
        ).encode(),
        "bad/deep-json.md": (
            '{"title": "Deep JSON", "params": ' + "[" * 10_000 + "]" * 10_000 + "}\n\nBody\n"
        ).encode(),
        "bad/malformed-yaml.md": _fm("title: [unclosed\ntags: {a: b").encode(),
        "bad/malformed-yaml-tab.md": _fm("title: Tabbed\n\tdate: 2024-01-01").encode(),
        "bad/malformed-toml.md": b"+++\ntitle = \ndate = 2024-13-45\n+++\n\nBody\n",
        "bad/malformed-json.md": b'{\n  "title": "Trailing comma",\n}\n\nBody\n',
        "bad/not-a-mapping.md": _fm("- just\n- a\n- list").encode(),
        "bad/scalar-front-matter.md": _fm("42").encode(),
        "bad/latin1.md": "---\ntitle: Café crème\n---\n\nDéjà vu, naïve.\n".encode("latin-1"),
        "bad/utf16.md": "---\ntitle: Sixteen\n---\n\nWide.\n".encode("utf-16"),
        "bad/nul-bytes.md": b"---\ntitle: Nul\x00here\n---\n\nBody \x00 with \x00 NULs\n",
        "bad/empty.md": b"",
        "bad/only-delimiters.md": b"---\n---\n",
        "bad/unterminated-front-matter.md": b"---\ntitle: Never closed\n\nBody\n",
        "bad/long-line.md": b"---\ntitle: Long line\n---\n\n" + b"word " * 200_000 + b"\n",
        "bad/long-word.md": b"---\ntitle: Long word\n---\n\n" + b"x" * 1_000_000 + b"\n",
        "bad/binary.md": bytes(range(256)) * 64,
    }
    if big:
        files["bad/huge-50mb.md"] = _huge_post(50 * 1024 * 1024)
    return files


def _huge_post(size: int) -> bytes:
    head = b"---\ntitle: Huge post\ntags: [huge]\n---\n\n"
    line = (" ".join(_FILLER) + "\n").encode()
    return head + line * (size // len(line) + 1)


def write_hostile_tree(base: Path, *, good: int = 5, big: bool = True) -> HostileTree:
    """Build base/archive with good posts beside every hostile file, link and special file."""
    tree = HostileTree(root=base / "archive", outside=base / "outside")
    tree.root.mkdir(parents=True)
    tree.outside.mkdir(parents=True)
    tree.good = write_good_posts(tree.root, good)
    (tree.root / "bad").mkdir()
    for rel, data in hostile_files(big).items():
        (tree.root / rel).write_bytes(data)
    tree.post_or_report = sorted(hostile_files(big))
    tree.must_report = [
        "bad/malformed-yaml.md",
        "bad/malformed-toml.md",
        "bad/malformed-json.md",
        "bad/latin1.md",
    ]
    _add_links(tree)
    return tree


def _add_links(tree: HostileTree) -> None:
    root = tree.root
    (tree.outside / "secret.md").write_text("---\ntitle: Outside secret\n---\n\nNot ours.\n")
    (root / "links").mkdir()
    (root / "links/outside.md").symlink_to(tree.outside / "secret.md")
    (root / "links/outside-dir").symlink_to(tree.outside, target_is_directory=True)
    (root / "links/loop-a.md").symlink_to("loop-b.md")
    (root / "links/loop-b.md").symlink_to("loop-a.md")
    (root / "links/self.md").symlink_to("self.md")
    (root / "links/dangling.md").symlink_to("no-such-file.md")
    (root / "links/up").symlink_to("..", target_is_directory=True)
    (root / "links/root").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "links/fifo.md")
    tree.never_listed = [
        "links/outside.md",
        "links/outside-dir/secret.md",
        "links/fifo.md",
        "links/loop-a.md",
        "links/loop-b.md",
        "links/self.md",
        "links/dangling.md",
    ]


# ---------------------------------------------------------------------------------------------
# Terminal injection

#: Sequences a hostile post tries to send to the reader's terminal.
ATTACKS = {
    "osc52": "\x1b]52;c;cm0gLXJmIH4=\x07",  # write "rm -rf ~" to the clipboard
    "clear": "\x1b[2J\x1b[H",  # wipe the screen
    "title": "\x1b]0;pwned\x07",  # change the window title
    "bel": "\x07",
    "csi_c1": "\x9b31m",  # an 8-bit CSI (C1) that some terminals honour
    "osc_c1": "\x9d0;pwned\x9c",  # 8-bit OSC ... ST
    "dcs": "\x1bP+q544e\x1b\\",  # a DCS query that makes terminals answer on stdin
}
EVIL = "".join(ATTACKS.values())


def write_injection_archive(root: Path) -> None:
    """Posts whose title, tags, categories, file name and body carry terminal attacks."""
    root.mkdir(parents=True, exist_ok=True)
    write_good_posts(root, 2)
    evil_yaml = json.dumps(f"Evil {EVIL} title")  # a JSON string is valid YAML with escapes
    (root / "evil-title.md").write_text(
        "---\n"
        f"title: {evil_yaml}\n"
        "date: 2025-03-01\n"
        f"tags: [{json.dumps('tag' + ATTACKS['osc52'])}, {json.dumps('t' + ATTACKS['clear'])}]\n"
        f"categories: [{json.dumps('cat' + ATTACKS['title'])}]\n"
        f"author: {json.dumps('me' + ATTACKS['csi_c1'])}\n"
        f"description: {json.dumps('sum' + ATTACKS['dcs'])}\n"
        "---\n\n"
        f"Evilword body {EVIL} more evilword text.\n\n# Heading {ATTACKS['title']}\n",
        encoding="utf-8",
    )
    name = f"evil{ATTACKS['clear']}{ATTACKS['bel']}name.md"
    (root / name).write_text(
        f"---\ntitle: Evilword named file\ndate: 2025-03-02\n---\n\nEvilword {EVIL}\n",
        encoding="utf-8",
    )
    (root / "raw-body.md").write_bytes(
        b"---\ntitle: Evilword raw bytes\ndate: 2025-03-03\n---\n\nEvilword "
        + EVIL.encode()
        + b" \x9b2J \x1b]52;c;eA==\x1b\\\n"
    )


#: What a styled terminal output may legitimately contain: SGR colours and OSC 8 links.
_ALLOWED = re.compile(r"\x1b\[[0-9;:?]*[mK]|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)")
#: Any control character a terminal acts on, once the allowed sequences are removed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def raw_controls(output: bytes, *, styled: bool = False) -> list[str]:
    """The control characters in `output` that would reach a terminal raw (repr'd, in context).

    With `styled`, SGR colour codes and OSC 8 hyperlinks (what rich emits itself) are allowed.
    Raw C1 bytes (\\x80-\\x9f outside UTF-8) and C1 characters are both caught.
    """
    text = output.decode("utf-8", errors="surrogateescape")
    if styled:
        text = _ALLOWED.sub("", text)
    found = []
    for match in _CONTROL.finditer(text):
        found.append(repr(text[max(0, match.start() - 15) : match.end() + 15]))
    found += [repr(ch) for ch in text if 0xDC80 <= ord(ch) <= 0xDC9F]
    return found


# ---------------------------------------------------------------------------------------------
# One corpus hostile in every field, name, link and message (issue 14)

#: A string a hostile archive puts everywhere: terminal sequences, a bidi override and Textual
#: markup that does not parse (`[a='`) or parses into nothing (`[b]`).
MARKUP = "[a='][b][/]"
HOSTILE = (
    "\x1b]52;c;cHduZWQ=\x1b\\"  # OSC 52: write "pwned" to the clipboard
    "\x1b]2;TITLE\x1b\\"  # OSC 2: the window title
    "\x1b[2J"  # clear the screen
    "\x9b31m"  # an 8-bit CSI
    "\x1bP+q544e\x1b\\"  # a DCS query the terminal answers on stdin
    "\u202e" + MARKUP  # RIGHT-TO-LEFT OVERRIDE
)
#: What must never reach a terminal, whatever the styling (our own SGR and OSC 8 aside).
NEVER_SHOWN = ("\x1b]52", "\x1b]2;", "\x1b[2J", "\x9b", "\x1bP", "\u202e", "\x07")
#: The word every hostile post holds, to find them.
HOSTILE_WORD = "zqhostileux"
#: A file name that is an editor option (finding 1) and one that is markup (finding 7).
OPTION_NAME = "-c!id >PWNED.md"
MARKUP_NAME = "[a='].md"
#: A title made only of escapes: it sanitises to nothing (finding 2).
EMPTY_TITLE = "\x1b]52;c;cHduZWQ=\x1b\\\x1b]2;T\x1b\\"
#: Folder names that carry a title change and markup.
FOLDER = "\x1b]2;T\x1b\\ dir"
LINKS = (
    "http://x/\x1b]52;c;cHduZWQ=\x1b\\",
    "http://x/[a=']",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "../../../../../../../../etc/passwd",
    "https://example.org/ok",
)


def _hostile_post(title: str, *, number: int) -> str:
    quoted = json.dumps  # a JSON string is YAML with \\u escapes, so any character fits
    links = "\n".join(f"- [link {i} {MARKUP}](<{target}>)" for i, target in enumerate(LINKS))
    return (
        "---\n"
        f"title: {quoted(title)}\n"
        f"date: 2024-05-{number % 28 + 1:02d}\n"
        f"tags: [{quoted('t' + HOSTILE)}, {quoted('[b]')}, {quoted(MARKUP)}]\n"
        f"categories: [{quoted('c' + HOSTILE)}]\n"
        f"author: {quoted('a' + HOSTILE)}\n"
        f"description: {quoted('d' + HOSTILE)}\n"
        f"series: {quoted('s' + HOSTILE)}\n"
        "---\n\n"
        f"# Heading {HOSTILE}\n\n{HOSTILE_WORD} body {HOSTILE} words.\n\n{links}\n\n"
        f"`code {HOSTILE}` and **bold {HOSTILE}**\n"
    )


def write_hostile_corpus(root: Path) -> dict[str, Path]:
    """An archive hostile in every field, file name, folder name, link and problem message.

    Returns the notable files by role: "option" (the editor-option name), "markup" (a
    markup name), "empty" (a title that sanitises to nothing), "broken" (a YAML error that
    echoes markup and escapes, in a hostile folder).
    """
    root.mkdir(parents=True, exist_ok=True)
    write_good_posts(root, 2)
    folder = root / FOLDER
    folder.mkdir()
    files = {
        "option": root / OPTION_NAME,
        "markup": root / MARKUP_NAME,
        "empty": folder / f"{HOSTILE[:30]}.md",
        "titled": folder / "titled.md",
    }
    for number, (role, path) in enumerate(files.items()):
        title = EMPTY_TITLE if role == "empty" else f"Hostile {role} {HOSTILE}"
        path.write_text(_hostile_post(title, number=number), encoding="utf-8")
    broken = folder / f"broken {HOSTILE[:20]}.md"
    broken.write_text(f"---\ntitle: !<[a='> x\nbad: {HOSTILE}: [\n---\n\nbody\n", "utf-8")
    files["broken"] = broken
    echoed = folder / "tag.md"  # PyYAML's message echoes the tag: markup in a notice
    echoed.write_text("---\ntitle: !<[a='> x\n---\n\nbody\n", "utf-8")
    files["echoed"] = echoed
    return files


def hostile_leaks(output: str) -> list[str]:
    """The hostile sequences found in `output` (each in context), for assertion messages."""
    return [
        repr(output[max(0, found - 15) : found + 15])
        for sequence in NEVER_SHOWN
        if (found := output.find(sequence)) >= 0
    ]


def fake_program(folder: Path, name: str) -> Path:
    """An executable `name` in `folder` that appends its argv (JSON) to `name`.log there."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    script = folder / name
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"with open({str(log)!r}, 'a') as out:\n"
        "    out.write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(0o755)
    return log


def recorded(log: Path) -> list[list[str]]:
    """The argv lists a fake program recorded, oldest first."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def open_via(os_open: Any) -> Any:
    """builtins.open by way of `os_open`, so a fault injected there reaches every open."""
    import builtins

    real = builtins.open

    def patched(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, int) or "opener" in kwargs:
            return real(file, mode, *args, **kwargs)
        return real(file, mode, *args, opener=lambda p, f: os_open(p, f, 0o666), **kwargs)

    return patched
