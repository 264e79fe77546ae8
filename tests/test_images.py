"""Images in the reading pane: found inside the site only, never fetched, drawn after the
first screen by a worker, and a quiet reason for each one that is not drawn."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image
from textual.pilot import Pilot

from blogtui.config import Config, parse_config
from blogtui.markup import nodes
from blogtui.markup.images import Finder, site_root
from blogtui.tui import images
from blogtui.tui.app import BlogApp
from blogtui.tui.widgets.reader import Reader
from tests._images import POST, boat, bomb, hugo_site, lighthouse
from tests._pilot import opened, settle, until
from tests.conftest import NOW

SIZE = (120, 50)
BUNDLE = "posts/harbour/index.md"


# --- finding the files ------------------------------------------------------------------------
def test_a_content_folder_belongs_to_the_site_above_it(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site")
    assert site_root(content) == tmp_path / "site"
    assert site_root(tmp_path / "site") == tmp_path / "site"


def test_a_folder_with_a_stray_config_above_is_its_own_site(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text("x: 1\n")
    notes = tmp_path / "notes"
    notes.mkdir()
    assert site_root(notes) == notes


@pytest.mark.parametrize(
    ("src", "found"),
    [
        ("lighthouse.png", "content/posts/harbour/lighthouse.png"),
        ("./lighthouse.png", "content/posts/harbour/lighthouse.png"),
        ("/images/boat.png", "static/images/boat.png"),
        ("../../../static/images/boat.png", "static/images/boat.png"),
        ("lighthouse.png?width=200#top", "content/posts/harbour/lighthouse.png"),
    ],
)
def test_local_sources_resolve_as_the_generators_do(tmp_path: Path, src: str, found: str) -> None:
    content = hugo_site(tmp_path / "site")
    picture = Finder(content).locate("alt", src, BUNDLE)
    assert picture.path is not None, picture.reason
    assert os.path.samefile(picture.path, tmp_path / "site" / found)


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("https://example.com/x.png", "remote image, not fetched"),
        ("//cdn.example.com/x.png", "remote image, not fetched"),
        ("data:image/png;base64,AAAA", "remote image, not fetched"),
        ("../../../../outside.png", "outside the site, not read"),
        ("/../../outside.png", "outside the site, not read"),
        ("gone.png", "no such file"),
    ],
)
def test_remote_and_escaping_sources_are_refused(tmp_path: Path, src: str, reason: str) -> None:
    content = hugo_site(tmp_path / "site")
    lighthouse(tmp_path / "outside.png")
    picture = Finder(content).locate("alt", src, BUNDLE)
    assert picture.path is None
    assert picture.reason == reason


def test_a_symlink_leading_out_of_the_site_is_refused(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site")
    secret = lighthouse(tmp_path / "secret.png")
    (content / "posts" / "harbour" / "link.png").symlink_to(secret)
    picture = Finder(content).locate("alt", "link.png", BUNDLE)
    assert (picture.path, picture.reason) == (None, "a link leading outside the site, not read")


def test_svg_is_found_but_not_drawn(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site")
    (content / "posts" / "harbour" / "logo.svg").write_text("<svg/>")
    picture = Finder(content).locate("Logo", "logo.svg", BUNDLE)
    assert (picture.path, picture.reason) == (None, "SVG is not drawn")


def test_an_obsidian_embed_is_found_by_name_in_the_vault(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "notes").mkdir()
    boat(vault / "attachments" / "Boat Sketch.png")
    embed = nodes.WikiLink("Boat Sketch.png", "", "", embed=True)
    picture = Finder(vault).find(embed, "notes/trip.md")
    assert picture.path == vault / "attachments" / "Boat Sketch.png"


# --- decoding -------------------------------------------------------------------------------
def test_a_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    reason = images.size_of(bomb(tmp_path / "bomb.png"))
    assert isinstance(reason, str)
    assert "too many pixels" in reason


def test_a_truncated_file_says_it_cannot_be_decoded(tmp_path: Path) -> None:
    whole = lighthouse(tmp_path / "whole.png").read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 3])
    assert images.size_of(cut) == (320, 160)  # the header is intact
    drawn = images.draw(cut, images.Box(32, 8), (0, 0, 0), "blocks")
    assert isinstance(drawn, str)
    assert drawn.startswith("cannot decode")


def test_pictures_keep_their_shape_within_the_pane() -> None:
    assert images.fit(320, 160, max_cols=100) == images.Box(32, 8)
    assert images.fit(3200, 1600, max_cols=60) == images.Box(60, 15)
    tall = images.fit(200, 2000, max_cols=100)
    assert tall.rows == images.MAX_ROWS
    assert tall.cols == 5


# --- the reading pane -----------------------------------------------------------------------
def _app(root: Path, mode: str = "blocks") -> BlogApp:
    return BlogApp(root, config=Config(images=mode), now=NOW)


async def _read(pilot: Pilot[object]) -> Reader:
    """Open the highlighted post and wait until each of its pictures is drawn (or not)."""
    await settle(pilot)
    await pilot.press("enter")
    reader = await opened(pilot)
    await until(pilot, lambda: reader.page.complete, "the whole post")
    await until(pilot, lambda: not reader.drawing_pictures, "the pictures")
    return reader


def _recording_open(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file Pillow is asked to open, from now on."""
    opened_files: list[str] = []
    real_open = Image.open

    def recording(file: object, *args: object, **kwargs: object) -> Image.Image:
        opened_files.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image, "open", recording)
    return opened_files


def _picture_rows(reader: Reader) -> int:
    """How many lines of the pane draw half-blocks."""
    return sum(any("▀" in s.text for s in line) for line in reader.page.lines)


async def test_the_first_screen_has_placeholders_and_the_worker_fills_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    real = images.draw

    def held(*args: object) -> object:
        gate.wait(30)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(images, "draw", held)
    app = _app(hugo_site(tmp_path / "site"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        reader = app.main.query_one(Reader)
        await until(pilot, lambda: reader.page.complete, "the post rendered")
        assert "[image: The lighthouse]" in reader.text
        assert reader.text.count("⧗ loading") == 2
        assert _picture_rows(reader) == 0
        height = len(reader.page.lines)
        gate.set()
        await until(pilot, lambda: all(s.done for s in reader.page.spots), "the pictures")
        await settle(pilot)
        assert "⧗ loading" not in reader.text
        assert _picture_rows(reader) == 8 + 3  # 320x160 and 96x64 at 10x20-pixel cells
        assert len(reader.page.lines) == height  # nothing below moved


async def test_a_gallery_is_decoded_near_the_screen_first(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site")
    bundle = content / "posts" / "harbour"
    for number in range(12):
        lighthouse(bundle / f"tall-{number}.png")
    gallery = "\n\n".join(f"![Tall {n}](tall-{n}.png)" for n in range(12))
    (bundle / "index.md").write_text(POST.replace("## After", f"{gallery}\n\n## After"))
    app = _app(content)
    async with app.run_test(size=(120, 24)) as pilot:
        reader = await _read(pilot)
        first = [spot.done for spot in reader.page.spots]
        assert first[0] and not first[-1]  # the last ones are screens away: not decoded yet
        await pilot.press("G")
        await until(pilot, lambda: reader.page.spots[-1].done, "the last picture")
        await until(pilot, lambda: not reader.drawing_pictures, "the pictures near the end")
        assert reader.page.spots[-1].done


async def test_a_transparent_picture_is_laid_on_the_pane_background(tmp_path: Path) -> None:
    app = _app(hugo_site(tmp_path / "site"))
    async with app.run_test(size=SIZE) as pilot:
        reader = await _read(pilot)
        back = reader.background_colors[1]
        rows = [line for line in reader.page.lines if any(s.text == "▀" for s in line)]
        boat_top = next(s for s in rows[-3] if s.text == "▀")  # its corner is transparent
        assert boat_top.style is not None and boat_top.style.bgcolor is not None
        shown = boat_top.style.bgcolor.get_truecolor()
        assert all(abs(a - b) <= 2 for a, b in zip(shown, (back.r, back.g, back.b), strict=True))


async def test_off_shows_alt_text_only(tmp_path: Path) -> None:
    app = _app(hugo_site(tmp_path / "site"), mode="off")
    async with app.run_test(size=SIZE) as pilot:
        reader = await _read(pilot)
        assert "[image: The lighthouse]" in reader.text
        assert "[image: A red boat]" in reader.text
        assert _picture_rows(reader) == 0
        assert "⧗" not in reader.text and "↳" not in reader.text


async def test_a_remote_image_shows_its_url_and_is_never_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a: calls.append(a))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    opened_files = _recording_open(monkeypatch)
    body = POST.replace("lighthouse.png", "https://tracker.example.com/pixel.png?id=%1B%5B31m")
    app = _app(hugo_site(tmp_path / "site", body))
    async with app.run_test(size=SIZE) as pilot:
        reader = await _read(pilot)
        assert "↳ remote image, not fetched:" in reader.text
        assert "https://tracker.example.com/pixel.png" in reader.text
        assert "id=%1B%5B31m" in reader.text  # an escape stays escaped
        assert calls == []
        assert all("example.com" not in name for name in opened_files)
        assert _picture_rows(reader) == 3  # the local boat is still drawn


async def test_an_escaping_path_is_refused_with_a_quiet_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = lighthouse(tmp_path / "secret.png")
    opened_files = _recording_open(monkeypatch)
    body = POST.replace("lighthouse.png", "../../../../secret.png")
    app = _app(hugo_site(tmp_path / "site", body))
    async with app.run_test(size=SIZE) as pilot:
        reader = await _read(pilot)
        assert "↳ outside the site, not read: ../../../../secret.png" in reader.text
        assert str(secret) not in opened_files
        assert not any(os.path.samefile(name, secret) for name in opened_files)


async def test_corrupt_files_give_a_placeholder_and_the_rest_reads_on(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site")
    bundle = content / "posts" / "harbour"
    whole = (bundle / "lighthouse.png").read_bytes()
    (bundle / "lighthouse.png").write_bytes(whole[: len(whole) // 3])  # truncated
    (bundle / "noise.png").write_bytes(b"not a picture at all" * 10)
    bomb(bundle / "bomb.png")
    (bundle / "index.md").write_text(
        POST.replace("## After", "![Noise](noise.png)\n\n![Bomb](bomb.png)\n\n## After"),
        encoding="utf-8",
    )
    app = _app(content)
    async with app.run_test(size=(120, 24)) as pilot:
        reader = await _read(pilot)
        text = reader.text
        assert "↳ cannot decode" in text  # the truncated lighthouse
        assert "↳ not a readable image" in text
        assert "↳ too many pixels to decode" in text
        assert _picture_rows(reader) == 3  # the boat
        # The rows kept for the truncated picture went away: headings still land right.
        (line, section), *_ = reader.page.sections
        assert section.text in reader.page.plain[line]
        await pilot.press("right_square_bracket")
        assert reader.current_heading is not None
        assert reader.current_heading.text == "After the pictures"


async def test_find_skips_pictures_and_outline_jumps_past_them(tmp_path: Path) -> None:
    app = _app(hugo_site(tmp_path / "site"))
    async with app.run_test(size=(120, 24)) as pilot:
        reader = await _read(pilot)
        assert reader.find("loading") == 0
        assert reader.find("boat") == 2  # the text line and its alt text
        reader.go_to_section(0)
        await pilot.pause()
        assert reader.page.plain[round(reader.scroll_y)].strip() == "After the pictures"


async def test_an_svg_says_it_is_not_drawn(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site", POST.replace("lighthouse.png", "chart.svg"))
    (content / "posts" / "harbour" / "chart.svg").write_text("<svg/>")
    app = _app(content)
    async with app.run_test(size=SIZE) as pilot:
        reader = await _read(pilot)
        assert "↳ SVG is not drawn: chart.svg" in reader.text


# --- settings and the other front ends --------------------------------------------------------
@pytest.mark.parametrize("mode", ["auto", "blocks", "off"])
def test_the_config_takes_each_mode(mode: str) -> None:
    config, warnings = parse_config(f'images = "{mode}"\n', Path("c.toml"))
    assert (config.images, warnings) == (mode, [])


def test_an_unknown_mode_is_reported_and_auto_used() -> None:
    config, warnings = parse_config('images = "sixel"\n', Path("c.toml"))
    assert config.images == "auto"
    assert warnings and "c.toml:1: images: expected one of 'auto', 'blocks', 'off'" in warnings[0]


def test_cat_prints_alt_text_and_never_loads_the_image_code(tmp_path: Path) -> None:
    content = hugo_site(tmp_path / "site")
    code = (
        "import sys; from blogtui.cli import main; status = main(['cat', '-a', sys.argv[1], "
        "'harbour', '--no-pager']); "
        "print('LOADED' if {'PIL', 'textual_image'} & set(sys.modules) else 'CLEAN'); "
        "sys.exit(status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(content)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "[image: The lighthouse]" in done.stdout
    assert "▀" not in done.stdout
    assert done.stdout.rstrip().endswith("CLEAN")


def test_the_reader_module_does_not_import_pillow_or_textual_image() -> None:
    code = (
        "import sys, blogtui.tui.app; "
        "print(sorted({'PIL', 'textual_image'} & {m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_prepare_in_a_pipe_never_queries_the_terminal_nor_imports() -> None:
    code = (
        "import sys, blogtui.tui.images as i; print(i.prepare('auto'), i.prepare('off'), "
        "'textual_image' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.stdout.split() == ["blocks", "off", "False"], done.stderr


def test_kitty_rows_are_placeholders_and_the_picture_goes_to_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    box = images.Box(8, 2)
    picture = images.decode(lighthouse(tmp_path / "l.png"), box, (0, 0, 0), "kitty")
    assert not isinstance(picture, str)
    sent = io.StringIO()
    monkeypatch.setattr(sys, "__stdout__", sent)
    rows = images.rows_for(picture, box)
    assert len(rows) == 2
    assert all(sum(len(s.text) for s in row) == 8 * 4 for row in rows)  # one cell: 4 chars
    assert all(s.text.startswith(chr(0x10EEEE)) for row in rows for s in row)
    assert sent.getvalue().startswith("\x1b_G")  # the picture, by Kitty's graphics protocol


@pytest.mark.parametrize(
    ("env", "asks"),
    [
        ({"TERM": "xterm-kitty"}, True),
        ({"KITTY_WINDOW_ID": "3", "TERM": "xterm-256color"}, True),
        ({"TERM_PROGRAM": "ghostty", "TERM": "xterm-ghostty"}, True),
        ({"TERM": "xterm-256color", "TERM_PROGRAM": "gnome-terminal"}, False),
        ({"TERM": "screen-256color"}, False),
    ],
)
def test_only_a_kitty_like_terminal_is_asked(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], asks: bool
) -> None:
    for name in ("TERM", "TERM_PROGRAM", "KITTY_WINDOW_ID", "TMUX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert images._kitty_like() is asks


def test_the_images_flag_takes_a_mode_and_refuses_others(tmp_path: Path) -> None:
    from blogtui.cli.parser import build_parser, parse

    content = hugo_site(tmp_path / "site")
    assert parse(build_parser(), ["--images", "off", str(content)]).images == "off"
    done = subprocess.run(
        [sys.executable, "-m", "blogtui", "--images", "sideways", str(content)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--images" in done.stderr and "sideways" in done.stderr
