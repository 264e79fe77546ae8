"""A signalled reader ends: cleanly when it can, and at once when its terminal is gone.

The reader runs in a pseudo-terminal on an archive whose index is being built; the terminal
is then closed (as when a tmux pane or an ssh connection goes) and the reader is signalled.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from blogtui.tui.app import EXIT_GRACE
from tests._hostile import blogtui_argv, write_good_posts


def _read_until(master: int, needle: bytes, deadline: float) -> bytes:
    seen = b""
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


@pytest.mark.parametrize("signame", ["TERM", "HUP"])
def test_a_reader_whose_terminal_is_gone_ends_when_signalled(tmp_path: Path, signame: str) -> None:
    root = tmp_path / "archive"
    write_good_posts(root, 3000, paragraphs=6)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    reader = subprocess.Popen(
        blogtui_argv(str(root)),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        shown = _read_until(master, b"indexing", time.monotonic() + 60)
        assert b"indexing" in shown, shown[-2000:]
        os.close(master)
        reader.send_signal(getattr(signal, f"SIG{signame}"))
        code = reader.wait(timeout=EXIT_GRACE + 10)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert code == 128 + getattr(signal, f"SIG{signame}")
