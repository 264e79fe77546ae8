"""Walking archives: site roots, bundles, Jekyll folders, symlinks, faults, canonical terms."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from blogtui.archive import ArchiveError, SourceFile, canonicalise, load, read_post, scan
from blogtui.model import Post
from tests.conftest import FIXTURES, NOW


def paths(root: Path, **options: Any) -> list[str]:
    return [source.path for source in scan(root, **options).files]


def write(path: Path, text: str = "---\ntitle: T\n---\nBody.\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_hugo_site_root_reads_only_content() -> None:
    assert paths(FIXTURES / "hugo-site") == [
        "content/about.fr.md",
        "content/posts/2024/winter-swim/index.md",
        "content/posts/first-light.md",
        "content/posts/tide-tables/index.md",
    ]


def test_hugo_site_posts_know_their_section_and_language() -> None:
    archive = load(FIXTURES / "hugo-site", now=NOW)
    by_path = {post.path: post for post in archive.posts}
    assert by_path["content/posts/first-light.md"].section == "posts"
    assert by_path["content/about.fr.md"].lang == "fr"
    assert by_path["content/posts/tide-tables/index.md"].slug == "tide-tables"
    assert [post.title for post in archive.posts] == [
        "Tide Tables",
        "First Light",
        "Winter Swim",
        "A propos",
    ]
    assert archive.problems == []


def test_hugo_content_dir_from_config() -> None:
    assert paths(FIXTURES / "hugo-contentdir") == ["writing/essay.md"]


def test_pointing_inside_content_works_like_a_plain_folder() -> None:
    assert paths(FIXTURES / "hugo-site" / "content" / "posts") == [
        "2024/winter-swim/index.md",
        "first-light.md",
        "tide-tables/index.md",
    ]


def test_jekyll_site_root() -> None:
    archive = load(FIXTURES / "jekyll-site", now=NOW)
    by_path = {post.path: post for post in archive.posts}
    assert sorted(by_path) == [
        "_drafts/half-done.md",
        "_posts/2022-05-01-mayday.md",
        "_posts/2022-06-01-hidden.markdown",
        "about.md",
        "index.md",
    ]
    assert by_path["_posts/2022-05-01-mayday.md"].tags == ("boats", "harbour")
    assert by_path["_posts/2022-06-01-hidden.markdown"].draft
    assert by_path["_drafts/half-done.md"].draft
    assert not by_path["about.md"].draft


def test_zola_site_root() -> None:
    archive = load(FIXTURES / "zola-site", now=NOW)
    assert [(post.path, post.tags) for post in archive.posts] == [
        ("content/blog/kites.md", ("wind",)),
        ("content/blog/gliders/index.md", ()),
    ]


def test_astro_site_reads_src_content() -> None:
    archive = load(FIXTURES / "astro-site", now=NOW)
    assert [(p.path, p.date and p.date.iso()) for p in archive.posts] == [
        ("src/content/blog/comet.md", "2023-02-02T00:00:00Z")
    ]


def test_plain_folder_skips_hidden_and_node_modules_and_descends_md_folders() -> None:
    assert paths(FIXTURES / "plain") == [
        "folder-named.md/index.md",
        "notes/two.markdown",
        "one.md",
    ]


def test_bundle_rule_does_not_apply_at_the_root(tmp_path: Path) -> None:
    write(tmp_path / "index.md")
    write(tmp_path / "other.md")
    assert paths(tmp_path) == ["index.md", "other.md"]


def test_missing_or_file_archive_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="No such file"):
        scan(tmp_path / "nowhere")
    with pytest.raises(ArchiveError, match="not a folder"):
        scan(write(tmp_path / "a.md"))


# --- symlinks --------------------------------------------------------------------------------


def test_symlink_inside_is_followed_once(tmp_path: Path) -> None:
    archive = tmp_path / "blog"
    write(archive / "real" / "post.md")
    (archive / "alias").symlink_to(archive / "real")
    (archive / "link.md").symlink_to(archive / "real" / "post.md")
    assert paths(archive) == ["real/post.md"]


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    archive = tmp_path / "blog"
    write(archive / "a" / "post.md")
    (archive / "a" / "loop").symlink_to(archive)
    (archive / "a" / "self").symlink_to(archive / "a")
    assert paths(archive) == ["a/post.md"]


def test_symlink_to_a_folder_reached_only_through_links(tmp_path: Path) -> None:
    archive = tmp_path / "blog"
    write(archive / "_real" / "post.md")
    (archive / "b-link").symlink_to(archive / "_real")
    (archive / "a-link").symlink_to(archive / "_real")
    assert paths(archive) == ["_real/post.md"]


def test_symlink_outside_needs_follow_symlinks(tmp_path: Path) -> None:
    archive = tmp_path / "blog"
    write(archive / "own.md")
    write(tmp_path / "elsewhere" / "guest.md")
    (archive / "guests").symlink_to(tmp_path / "elsewhere")
    found = scan(archive)
    assert [s.path for s in found.files] == ["own.md"]
    assert [str(p) for p in found.problems] == [
        f"guests: symlink to {tmp_path / 'elsewhere'}, outside the archive: not followed; "
        "use --follow-symlinks"
    ]
    assert paths(archive, follow_symlinks=True) == ["guests/guest.md", "own.md"]


def test_dangling_symlink_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "ok.md")
    (tmp_path / "gone.md").symlink_to(tmp_path / "missing.md")
    found = scan(tmp_path)
    assert [s.path for s in found.files] == ["ok.md"]
    assert [str(p) for p in found.problems] == ["gone.md: dangling symlink"]


# --- faults between scan and read ------------------------------------------------------------


def test_file_deleted_after_scan(tmp_path: Path) -> None:
    write(tmp_path / "keep.md")
    doomed = write(tmp_path / "doomed.md")
    found = scan(tmp_path)
    doomed.unlink()
    results = [read_post(source, now=NOW) for source in found.files]
    assert results[0] == (None, [results[0][1][0]])
    assert str(results[0][1][0]) == "doomed.md: file disappeared since the folder was scanned"
    assert results[1][0] is not None


def test_unreadable_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "locked.md")
    write(tmp_path / "open.md")
    real_open = os.open

    def guarded(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("locked.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", guarded)
    archive = load(tmp_path, now=NOW)
    assert [post.path for post in archive.posts] == ["open.md"]
    assert [str(p) for p in archive.problems] == ["locked.md: cannot read: Permission denied"]


def test_unreadable_folder_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "top.md")
    write(tmp_path / "secret" / "inner.md")
    real_scandir = os.scandir

    def guarded(path: Any) -> Any:
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", guarded)
    found = scan(tmp_path)
    assert [s.path for s in found.files] == ["top.md"]
    assert [str(p) for p in found.problems] == ["secret: cannot read folder: Permission denied"]


def test_fifo_swapped_in_after_the_scan_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "swapped.md")
    (source,) = scan(tmp_path).files
    path.unlink()
    os.mkfifo(path)
    post, problems = read_post(source, now=NOW)
    assert (post, [p.reason for p in problems]) == (None, ["no longer a regular file; skipped"])


def test_huge_file_is_read_in_part(tmp_path: Path) -> None:
    big = write(tmp_path / "big.md", "---\ntitle: Big\n---\n" + "é" * (6 * 1024 * 1024))
    source = scan(tmp_path).files[0]
    post, problems = read_post(source, now=NOW)
    assert post is not None and post.title == "Big"
    assert [p.reason for p in problems] == ["larger than 10 MB; only the first 10 MB were read"]
    assert big.stat().st_size > 10 * 1024 * 1024


def test_load_never_writes_to_the_archive(tmp_path: Path) -> None:
    write(tmp_path / "a.md")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    load(tmp_path, now=NOW)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def test_source_file_records_stat(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md")
    (source,) = scan(tmp_path).files
    assert source == SourceFile("a.md", path, path.stat().st_mtime_ns, path.stat().st_size)


# --- ordering and canonical spellings --------------------------------------------------------


def test_newest_first_undated_last_ties_by_path(tmp_path: Path) -> None:
    write(tmp_path / "b.md", "---\ndate: 2020-01-01\n---\n")
    write(tmp_path / "a.md", "---\ndate: 2020-01-01\n---\n")
    write(tmp_path / "new.md", "---\ndate: 2021-01-01T10:00:00+02:00\n---\n")
    write(tmp_path / "undated.md", "no date\n")
    assert [post.path for post in load(tmp_path, now=NOW).posts] == [
        "new.md",
        "a.md",
        "b.md",
        "undated.md",
    ]


def test_spelling_variants_merge_to_the_most_frequent(tmp_path: Path) -> None:
    write(tmp_path / "1.md", "---\ntags: [Service mesh]\ncategories: SOFA WEEKLY\n---\n")
    write(tmp_path / "2.md", "---\ntags: [Service Mesh, 'service  mesh']\n---\n")
    write(tmp_path / "3.md", "---\ntags: [Service Mesh]\ncategories: SOFA Weekly\n---\n")
    write(tmp_path / "4.md", "---\ncategories: ['Kata\u00a0Containers', 'SOFA Weekly ']\n---\n")
    archive = load(tmp_path, now=NOW)
    by_path = {post.path: post for post in archive.posts}
    assert by_path["1.md"].tags == ("Service Mesh",)
    assert by_path["2.md"].tags == ("Service Mesh",)
    assert by_path["1.md"].categories == ("SOFA Weekly",)
    assert by_path["4.md"].categories == ("Kata Containers", "SOFA Weekly")


def test_canonical_tie_goes_to_the_first_path() -> None:
    posts = [
        Post(path="b.md", title="B", slug="b", tags=("go",)),
        Post("a.md", "A", "a", tags=("Go",)),
    ]
    assert [post.tags for post in canonicalise(posts)] == [("Go",), ("Go",)]


def test_future_judged_against_the_given_now(tmp_path: Path) -> None:
    write(tmp_path / "p.md", "---\ndate: 2026-12-01\n---\n")
    assert load(tmp_path, now=NOW).posts[0].future
    assert not load(tmp_path, now=datetime(2027, 1, 1).astimezone()).posts[0].future


def test_a_source_file_is_a_frozen_value_that_survives_pickling(tmp_path: Path) -> None:
    """Build workers are sent SourceFiles pickled; sets and dicts hold them: equal by value,
    hashable, and never changed once made."""
    import pickle

    source = SourceFile("a.md", tmp_path / "a.md", 5, 6, "posts/a.md")
    again = pickle.loads(pickle.dumps(source))
    assert again == source and hash(again) == hash(source) and again.abspath == tmp_path / "a.md"
    with pytest.raises(AttributeError):
        source.size = 7  # type: ignore[misc]
