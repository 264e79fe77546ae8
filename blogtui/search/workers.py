"""Build worker processes: two of them parse and index a big (re)build's files into segments.

A worker is a plain subprocess (`python -c`), not multiprocessing: spawn would re-run the
parent's __main__. Messages are length-prefixed pickles over its stdin and stdout (the
pipes are private to the two processes); when the parent dies, stdin ends and so does the
worker. The parent reads each pipe with os.read and handles every whole message it holds
before it waits again, so two replies arriving together are both seen; each wait is bounded
(WORKER_STALL_S): a worker silent that long is killed and the build tried once more.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from blogtui.search import building, catalogue, segments
from blogtui.site import NO_SITE, Site

if TYPE_CHECKING:
    from blogtui.search.index import Progress

#: Build worker processes for big (re)builds: one per core of the machine blogtui targets.
WORKERS = 2
#: Markdown a build worker indexes into one segment (its postings are held in memory).
SEGMENT_BYTES = 16_000_000
#: Markdown handed to one worker process before it is told to finish (its one segment) and
#: a new process takes its place: a process's heap only grows (the postings pool, the word
#: memos and the fragments they leave), so at 100,000 posts a worker kept for seven segments
#: grew from 110 to 190 MB, where one per segment peaks at 100-130 (benchmarks/README.md).
WORKER_BYTES = SEGMENT_BYTES
#: Files handed to one worker process, at most: its heap grows with the files as well as
#: their bytes (the smallest files come last: at 100,000 posts the last 16 MB were 27,000
#: files, and a worker given 8,000 of them grew to 150 MB, against 120-127 for 5,000).
WORKER_FILES = 4_000
#: Files handed to a build worker at a time (small enough to balance the two workers).
CHUNK = 40
#: How long a worker may stay silent (it answers after every chunk) before it counts as stuck.
WORKER_STALL_S = 120.0
#: What a worker process runs (tests swap in a fake worker).
WORKER_CODE = "from blogtui.search.workers import worker_main; worker_main()"
_HEADER = struct.Struct(">Q")


class WorkerStalled(RuntimeError):
    """A build worker said nothing for WORKER_STALL_S."""


def write_frame(out: Any, message: Any) -> None:
    """Send one message: its pickle's length, then the pickle."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(payload)) + payload)
    out.flush()


def read_frame(source: Any) -> Any:
    """Receive one message from a blocking stream; EOFError when it ends."""
    header = source.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (length,) = _HEADER.unpack(header)
    payload = source.read(length)
    if len(payload) < length:
        raise EOFError
    return pickle.loads(payload)


def split_frames(buffer: bytearray) -> list[Any]:
    """Take every whole message off the front of `buffer`; a partial one stays there."""
    messages = []
    while len(buffer) >= _HEADER.size:
        (length,) = _HEADER.unpack_from(buffer)
        end = _HEADER.size + length
        if len(buffer) < end:
            break
        messages.append(pickle.loads(bytes(buffer[_HEADER.size : end])))
        del buffer[:end]
    return messages


def worker_main() -> None:
    """A build worker: index the chunks of files its parent sends on stdin.

    In: the index folder, `now` and SEGMENT_BYTES, then lists of SourceFiles and a final
    None. Out: ("done", n, rows) per chunk (its catalogue entries in their stored form,
    `building.row_of`, in the chunk's order and without their paths: the parent decodes no
    record, and takes each path from what it sent), then ("ok", segments) or ("error",
    why, errno).
    """
    source, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the message stream
    try:
        folder, now, segment_bytes, site = read_frame(source)
        _send(out, ("ok", *_build(source, out, folder, now, segment_bytes, site)))
    except EOFError:
        return  # the parent went away
    except Exception as exc:  # reported to the parent, which raises it there
        _send(out, ("error", f"{type(exc).__name__}: {exc}", getattr(exc, "errno", None)))
        return
    # Its segment is written and its answer flushed: leave without the interpreter's
    # teardown, which frees its heap object by object (the parent, waiting to reap it
    # before it started the next worker, waited 32-64 ms each: 56 times at 100,000 posts).
    sys.stderr.flush()
    os._exit(0)


def _build(
    source: Any, out: Any, folder: str, now: datetime | None, segment_bytes: int, site: Site
) -> tuple[list[Any]]:
    """Index every chunk sent, answering each with its catalogue entries; the segments."""
    from blogtui.search import store

    ix = store.whoosh_storage(Path(folder)).open_index()
    writer, held, written = segments.open_writer(ix, lock=False), 0, []
    while (chunk := read_frame(source)) is not None:
        rows: list[building.Row] = []
        for item in chunk:
            entry, post = catalogue.read(item, now, site)
            rows.append(building.row_of("", entry))  # (the parent has the path)
            if post is not None:
                segments.add_post(writer, post)
                held += item.size
        if held >= segment_bytes:  # postings live in memory: bound them by a segment
            written.append(segments.finish_segment(writer))
            writer, held = segments.open_writer(ix, lock=False), 0
        _send(out, ("done", len(chunk), rows))
    if (last := segments.finish_segment(writer)) is not None:
        written.append(last)
    return (written,)


def _send(out: Any, message: tuple[Any, ...]) -> None:
    write_frame(out, message)


def python_child(code: str, *args: str, **options: Any) -> subprocess.Popen[bytes]:
    """`python -c CODE ARGS...` with this package importable (its folder first on
    PYTHONPATH): a build worker, or the merge's helper (search/merging.py)."""
    package_home = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_home, env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, **options)


class Worker:
    """One build worker process and its message pipes."""

    def __init__(self, folder: str, now: datetime | None, site: Site) -> None:
        self.proc = python_child(WORKER_CODE, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.fd = self.stdout.fileno()
        self.pending = bytearray()
        self.busy = 0
        self.fed = self.files = 0  # bytes and files sent
        self.sent: deque[list[Any]] = deque()  # the chunks it has not answered yet
        self.send((folder, now, SEGMENT_BYTES, site))

    def send(self, message: Any) -> None:
        write_frame(self.stdin, message)

    def receive(self) -> list[tuple[Any, ...]]:
        """Every whole message the pipe holds now (call when select says it is readable)."""
        data = os.read(self.fd, 1 << 20)
        if not data:
            status = self.proc.wait(timeout=5)
            raise RuntimeError(f"index worker exited with status {status}")
        self.pending += data
        return split_frames(self.pending)

    def feed(self, chunks: list[list[Any]]) -> None:
        """Send the next chunk, or the end marker once nothing is left for this worker (none
        left, or WORKER_BYTES or WORKER_FILES sent: another worker takes the rest)."""
        if chunks and self.fed < WORKER_BYTES and self.files < WORKER_FILES:
            chunk = chunks.pop()
            self.send(chunk)
            self.sent.append(chunk)
            self.busy += 1
            self.fed += sum(source.size for source in chunk)
            self.files += len(chunk)
        elif self.busy == 0:
            self.send(None)
            self.busy = -1  # finished: it will answer with its segments

    def stop(self) -> None:
        """End the worker: close its input, wait a bounded time, then kill it."""
        with contextlib.suppress(OSError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stdout.close()


#: Takes each chunk's rows as they come (building.Streamed or Kept; restarted on a retry).
Sink = Any


def build(
    folder: Path,
    todo: list[Any],
    now: datetime | None,
    progress: Progress | None,
    site: Site = NO_SITE,
    sink: Sink = None,
) -> list[Any]:
    """Parse and index `todo` in WORKERS processes, handing their catalogue rows to `sink`
    as they come; their segments."""
    sink = sink if sink is not None else building.Kept()
    try:
        return _build_once(folder, todo, now, progress, site, sink)
    except WorkerStalled:
        pass  # killed; once more with new workers (the segments it left are not in the TOC)
    sink.restart()
    try:
        return _build_once(folder, todo, now, progress, site, sink)
    except WorkerStalled as exc:
        raise RuntimeError(f"{exc}, twice; the index was not updated") from None


def _build_once(
    folder: Path,
    todo: list[Any],
    now: datetime | None,
    progress: Progress | None,
    site: Site,
    sink: Sink,
) -> list[Any]:
    ordered = sorted(todo, key=lambda f: -f.size)  # big files first balance the workers
    chunks = [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]
    chunks.reverse()  # pop() hands them out biggest first
    started: list[Worker] = []  # every worker process of this build, for the cleanup

    def start() -> Worker:
        worker = Worker(str(folder), now, site)
        started.append(worker)
        for _ in range(2):  # two in flight, so a worker never waits for the next chunk
            worker.feed(chunks)
        return worker

    try:
        return _run([start() for _ in range(WORKERS)], start, chunks, len(todo), progress, sink)
    except WorkerStalled:
        for worker in started:
            worker.proc.kill()  # stuck: waiting for it to end on its own would not end
        raise
    finally:
        for worker in started:
            worker.stop()


def _run(
    workers: list[Worker],
    start: Callable[[], Worker],
    chunks: list[list[Any]],
    total: int,
    progress: Progress | None,
    sink: Sink,
) -> list[Any]:
    """Feed chunks to whichever worker is free, and a new worker in the place of each one
    that finished while chunks remain; collect their segments, and hand their catalogue
    rows to `sink`."""
    written: list[Any] = []
    done = 0
    running = {worker.fd: worker for worker in workers}
    spent = {fd: _cpu_ticks(worker.proc.pid) for fd, worker in running.items()}
    while running:
        ready, _, _ = select.select(list(running), [], [], WORKER_STALL_S)
        if not ready:
            if _still_working(running, spent):
                continue  # silent but computing (a long segment write on a loaded machine)
            raise WorkerStalled(f"index workers said nothing for {WORKER_STALL_S:.0f} s")
        for fd in ready:
            worker = running[fd]
            for message in worker.receive():  # every message read, not only the first
                if message[0] == "error":
                    _raise(message)
                if message[0] == "ok":
                    written.extend(message[1])
                    del running[fd]
                    if chunks:  # (it took its share: WORKER_BYTES) its successor first
                        new = start()
                        running[new.fd], spent[new.fd] = new, _cpu_ticks(new.proc.pid)
                    worker.stop()  # (it has ended: reaped now, not at the end of the build)
                    continue
                done += message[1]
                worker.busy -= 1
                worker.feed(chunks)  # first: the worker never waits for the parent
                sink.add(with_paths(worker.sent.popleft(), message[2]))
                if progress is not None:
                    progress(done, total)
    return written


def with_paths(chunk: list[Any], rows: list[building.Row]) -> list[building.Row]:
    """A chunk's rows as a worker sent them, each given its file's path: the parent's own
    string, so a build holds one copy of each path (at 100,000 posts the unpickled second
    copies were 13 MB of the parent's peak)."""
    return [(source.path, *row[1:]) for source, row in zip(chunk, rows, strict=True)]


def _still_working(running: dict[int, Worker], spent: dict[int, int | None]) -> bool:
    """True if a silent worker used CPU since the last look (Linux: /proc; elsewhere a
    silence of WORKER_STALL_S counts as a stall)."""
    working = False
    for fd, worker in running.items():
        now = _cpu_ticks(worker.proc.pid)
        before, spent[fd] = spent.get(fd), now
        working = working or (now is not None and before is not None and now > before)
    return working


def _cpu_ticks(pid: int) -> int | None:
    """The user and system CPU ticks of process `pid` (None where /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    except (OSError, IndexError, ValueError):
        return None


def _raise(message: tuple[Any, ...]) -> None:
    """A worker's error, raised here: as OSError when it carried an errno (a full disk)."""
    if message[2] is not None:
        raise OSError(message[2], f"index worker failed: {message[1]}")
    raise RuntimeError(f"index worker failed: {message[1]}")
