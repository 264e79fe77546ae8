"""The sample blog behind `blogtui --demo`: this package's folder is itself the archive."""

from __future__ import annotations

from pathlib import Path

#: The demo archive's root folder, shipped inside the wheel as package data.
ROOT = Path(__file__).resolve().parent
