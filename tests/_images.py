"""Sites with pictures for the image tests: PNGs drawn here with Pillow, posts written here."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

POST = """\
---
title: Harbour Pictures
date: 2024-05-01
---
The harbour at dawn, from the quay.

![The lighthouse](lighthouse.png)

A boat from the static folder:

![A red boat](/images/boat.png)

## After the pictures

Nothing more to see here.
""" + "\n".join(f"\nEntry {n} of the harbour log." for n in range(30))


def lighthouse(path: Path) -> Path:
    """A 320x160 picture: sky, sea, a white tower and a yellow lamp (deterministic)."""
    image = Image.new("RGB", (320, 160), (70, 130, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 110, 320, 160), fill=(20, 60, 120))
    draw.rectangle((140, 40, 180, 115), fill=(240, 240, 240))
    draw.rectangle((140, 60, 180, 72), fill=(200, 30, 30))
    draw.ellipse((145, 22, 175, 46), fill=(250, 210, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def boat(path: Path) -> Path:
    """A 96x64 picture with a transparent background: a red hull."""
    image = Image.new("RGBA", (96, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).polygon([(8, 30), (88, 30), (72, 56), (24, 56)], fill=(200, 20, 20))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def bomb(path: Path, width: int = 30_000, height: int = 30_000) -> Path:
    """A PNG whose header claims `width`x`height` pixels (900 million): a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
    path.write_bytes(png + chunk(b"IEND", b""))
    return path


def hugo_site(root: Path, body: str = POST) -> Path:
    """A Hugo site (hugo.toml, content/, static/) with one page bundle; returns content/."""
    (root / "hugo.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text('title = "Harbour"\n', encoding="utf-8")
    bundle = root / "content" / "posts" / "harbour"
    bundle.mkdir(parents=True)
    (bundle / "index.md").write_text(body, encoding="utf-8")
    lighthouse(bundle / "lighthouse.png")
    boat(root / "static" / "images" / "boat.png")
    return root / "content"
