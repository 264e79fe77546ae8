"""Write a deterministic, realistic blog archive of generated text, for benchmarks and tests.

    python benchmarks/gen_corpus.py OUT --posts 10000 [--seed 1] [--manifest FILE.json]

The archive mixes the layouts blogtui reads: Hugo sections with YAML, TOML and JSON front
matter (`posts/`, `notes/`, `links/`, `pages/`), Hugo leaf bundles with resources
(`articles/`, some nested one folder deeper, some with `.md` resources and nested bundles
that Hugo treats as resources), Jekyll `_posts/YYYY-MM-DD-slug.md` with string tags and
`+0200` dates, `_drafts/`, drafts, undated pages, future and expired posts, a few CJK posts.
Sizes are long-tailed (about 8.5 KB of markdown a post on average, a few near 100 KB); tags,
categories and words are Zipf-distributed. All text comes from a made-up vocabulary.

`generate()` returns a Manifest of what was written (each post's expected path, title, date,
terms, flags and the rare words it holds), so tests can check the loader and the index
against an independent count.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

#: Vocabulary and term lists are fixed (not seeded per corpus) so every corpus speaks alike.
VOCAB_SEED = 20261101
#: Every generated post is dated in [START, END) unless it is meant to be in the future.
START = datetime(2011, 1, 1, tzinfo=UTC)
END = datetime(2026, 10, 1, tzinfo=UTC)
#: Chance per post of each special case (the rest is plain).
CJK_SHARE = 0.01
HUGE_EVERY = 2000  # one post in this many is about 100 KB

_COMMON_TEXT = (
    "the of and to a in is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will can more other its into than only some time could new these two may first "
    "then do any like my now over such our man me even most made after also did many before "
    "must through back years where much your way well down should because each just those "
    "people how too little state good very make world still own see men work long get here "
    "between both life being under never day same another know while last might us great old "
    "year off come since against go came right used take three"
)
COMMON_WORDS = _COMMON_TEXT.split()
ACCENTED_WORDS = ("café", "naïve", "résumé", "façade", "jalapeño", "über", "déjà", "smörgåsbord")
CODE_LANGS = ("python", "go", "rust", "sh", "yaml", "toml", "js", "")
AUTHORS = (
    "Ada Okafor",
    "Bram Lindqvist",
    "Chen Wei",
    "Dana Ruiz",
    "Emeka Obi",
    "Fatima Zahra",
    "Gus Hollis",
    "陈静",
)
TAG_SEEDS = (
    "python",
    "go",
    "rust",
    "open source",
    "machine learning",
    "c++",
    "kubernetes",
    "linux",
    "databases",
    "Web",
    "security",
    "distributed systems",
    "testing",
    "2024",
    "2025",
    "emacs",
    "vim",
    "terminal",
    "performance",
    "career",
    "travel",
    "books",
    "photography",
    "cooking",
    "music",
    "Service Mesh",
    "observability",
    "compilers",
)
CATEGORIES = (
    "Engineering",
    "Life",
    "Travel",
    "Release Notes",
    "Work",
    "Reading",
    "Weekly Digest",
    "Tutorials",
    "Opinion",
    "Meta",
    "Research",
    "Talks",
)
#: Spelling variants a real archive accumulates; the loader must merge them by term_key.
VARIANTS = {
    "open source": ("Open Source", "open  source", "Open source"),
    "python": ("Python",),
    "Service Mesh": ("Service mesh", "service mesh "),
    "Web": ("web", "WEB"),
    "Weekly Digest": ("Weekly digest",),
}


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What the loader should read from one generated post."""

    path: str
    kind: str  # hugo-yaml, hugo-toml, hugo-json, bundle, jekyll, jekyll-draft, page
    title: str
    slug: str
    date: str | None  # the instant, ISO 8601 UTC with Z, or None when undated
    day: str | None  # the calendar date as written, YYYY-MM-DD
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    authors: tuple[str, ...]
    draft: bool
    lang: str | None
    cjk: bool
    rare: tuple[str, ...]  # rare words this post's body holds
    size: int


@dataclass(slots=True)
class Manifest:
    """Everything `generate` wrote: the posts, the non-post files, the rare words."""

    root: Path
    seed: int
    posts: list[PostRecord] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)  # files that are not posts
    bytes: int = 0

    def rare_words(self) -> dict[str, set[str]]:
        """Each rare word -> the paths of the posts that contain it."""
        found: dict[str, set[str]] = {}
        for post in self.posts:
            for word in post.rare:
                found.setdefault(word, set()).add(post.path)
        return found

    def counts(self, taxonomy: str) -> Counter[str]:
        """How many posts carry each term ('tags' or 'categories'), by matching key."""
        from blogtui.model import term_key

        counts: Counter[str] = Counter()
        for post in self.posts:
            counts.update({term_key(t) for t in getattr(post, taxonomy)})
        return counts

    def to_json(self) -> str:
        """The manifest as JSON (root as a string)."""
        data = {
            "root": str(self.root),
            "seed": self.seed,
            "bytes": self.bytes,
            "posts": [asdict(p) for p in self.posts],
            "resources": self.resources,
        }
        return json.dumps(data, ensure_ascii=False, indent=1)


class Vocabulary:
    """Zipf-weighted words, tags, categories and CJK characters, fixed across corpora."""

    def __init__(self) -> None:
        rng = random.Random(VOCAB_SEED)
        made = _pseudo_words(rng, 9000, set(COMMON_WORDS))
        self.words = [*COMMON_WORDS, *made[:60], *ACCENTED_WORDS, *made[60:]]
        self.word_cum = _zipf_cum(len(self.words), 1.07)
        self.content_words = self.words[len(COMMON_WORDS) :]
        self.content_cum = _zipf_cum(len(self.content_words), 0.9)
        self.tags = [
            *TAG_SEEDS,
            *(" ".join(pair) for pair in _pairs(made[9000 - 400 :], 40)),
            *made[8000:8250],
        ]
        self.tag_cum = _zipf_cum(len(self.tags), 1.1)
        self.cat_cum = _zipf_cum(len(CATEGORIES), 1.3)
        self.cjk = [chr(c) for c in rng.sample(range(0x4E00, 0x9FA5), 2500)]
        self.cjk_cum = _zipf_cum(len(self.cjk), 1.0)
        self.rare_pool = _rare_words(rng)

    def text(self, rng: random.Random, n: int) -> list[str]:
        """n words drawn by Zipf frequency."""
        return rng.choices(self.words, cum_weights=self.word_cum, k=n)

    def content(self, rng: random.Random, n: int) -> list[str]:
        """n words without the commonest function words, for titles and headings."""
        return rng.choices(self.content_words, cum_weights=self.content_cum, k=n)

    def cjk_text(self, rng: random.Random, n: int) -> str:
        """n CJK characters with punctuation, as a paragraph."""
        chars = rng.choices(self.cjk, cum_weights=self.cjk_cum, k=n)
        for i in range(rng.randint(8, 20), n, rng.randint(10, 25)):
            chars[i] = "，"
        return "".join(chars) + "。"


def _zipf_cum(n: int, s: float) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n (for random.choices)."""
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


def _pseudo_words(rng: random.Random, n: int, avoid: set[str]) -> list[str]:
    """n distinct pronounceable made-up words of consonant-vowel syllables (never 'zq')."""
    consonants, vowels = "bcdfghklmnprstvw", "aeiou"
    words: list[str] = []
    seen = set(avoid)
    while len(words) < n:
        syllables = rng.choice((1, 2, 2, 3, 3, 3, 4))
        word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _rare_words(rng: random.Random) -> list[str]:
    """Distinct words no other text contains: 'zq' never occurs in the vocabulary."""
    words = _pseudo_words(rng, 5000, set())
    return [f"zq{w}" for w in words if len(w) >= 4]


def _pairs(words: list[str], n: int) -> list[tuple[str, str]]:
    """n two-word phrases, for multi-word tags."""
    return [(words[2 * i], words[2 * i + 1]) for i in range(n)]


class PostWriter:
    """Builds one post's front matter and body from its own seeded random source."""

    def __init__(self, vocab: Vocabulary, rng: random.Random, index: int) -> None:
        self.v, self.rng, self.index = vocab, rng, index

    # -- terms -------------------------------------------------------------------------

    def pick_tags(self, jekyll_string: bool) -> list[str]:
        """0-6 Zipf tags, sometimes in a variant spelling; one-word only for Jekyll strings."""
        rng = self.rng
        n = rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 6))
        tags: list[str] = []
        for tag in rng.choices(self.v.tags, cum_weights=self.v.tag_cum, k=n):
            if jekyll_string and " " in tag:
                continue
            if tag in VARIANTS and rng.random() < 0.3:
                tag = rng.choice(VARIANTS[tag])
                if jekyll_string and " " in tag.strip():
                    continue
            if all(t.casefold().split() != tag.casefold().split() for t in tags):
                tags.append(tag)
        return tags

    def pick_categories(self) -> list[str]:
        """0-2 Zipf categories."""
        rng = self.rng
        n = rng.choice((0, 1, 1, 1, 2))
        picked = dict.fromkeys(rng.choices(CATEGORIES, cum_weights=self.v.cat_cum, k=n))
        return [
            rng.choice(VARIANTS[c]) if c in VARIANTS and rng.random() < 0.2 else c for c in picked
        ]

    def title(self, cjk: bool) -> str:
        """A title of 2-9 words, sometimes with punctuation that needs quoting."""
        if cjk:
            return self.v.cjk_text(self.rng, self.rng.randint(4, 12)).rstrip("。")
        words = self.v.content(self.rng, self.rng.randint(2, 8))
        if len(words) > 3:
            words.insert(len(words) // 2, self.rng.choice(("of", "and", "in", "for", "the")))
        title = " ".join(w.capitalize() if i == 0 or len(w) > 3 else w for i, w in enumerate(words))
        extra = self.rng.random()
        if extra < 0.05:
            title += ": " + " ".join(self.v.text(self.rng, 3))
        elif extra < 0.08:
            title = title.replace(" and ", " & ", 1) + " & More"
        elif extra < 0.10:
            title = f'The "{title}" Notes'
        return title

    # -- body --------------------------------------------------------------------------

    def body(self, target: int, rare: list[str], cjk: bool, more: bool) -> str:
        """Markdown of about `target` bytes with headings, code, lists, tables and links."""
        rng, parts, size = self.rng, [], 0
        blocks = (
            self.paragraph,
            self.paragraph,
            self.paragraph,
            self.paragraph,
            self.heading,
            self.code,
            self.bullets,
            self.table,
            self.quote,
        )
        first = self.cjk_paragraph() if cjk else self.paragraph()
        parts.append(first)
        size += len(first) + 2
        if more:
            parts.append("<!--more-->")
        while size < target:
            block = self.cjk_paragraph() if cjk and rng.random() < 0.7 else rng.choice(blocks)()
            parts.append(block)
            size += len(block.encode()) + 2
        for word in rare:
            slot = rng.randrange(len(parts))
            parts.insert(slot + 1, f"{self.sentence(6)[:-1]} {word} {self.sentence(5)}")
        return "\n\n".join(parts) + "\n"

    def sentence(self, n: int) -> str:
        """n words, capitalised, ending in a full stop."""
        words = self.v.text(self.rng, n)
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    def paragraph(self) -> str:
        """Three to seven sentences with an occasional link or emphasis."""
        rng = self.rng
        sentences = [self.sentence(rng.randint(5, 22)) for _ in range(rng.randint(3, 7))]
        if rng.random() < 0.25:
            words = " ".join(self.v.text(rng, 2))
            sentences.insert(1, f"See [{words}](https://example.org/{words.replace(' ', '-')}).")
        if rng.random() < 0.2:
            sentences.append(f"*{' '.join(self.v.text(rng, 3))}* **{self.v.text(rng, 1)[0]}**.")
        return " ".join(sentences)

    def cjk_paragraph(self) -> str:
        """A paragraph of CJK text with a Latin word or two, as real Chinese posts have."""
        text = self.v.cjk_text(self.rng, self.rng.randint(60, 240))
        return text[:20] + " Kubernetes " + text[20:] if self.rng.random() < 0.3 else text

    def heading(self) -> str:
        """An h2 or h3."""
        level = "##" if self.rng.random() < 0.7 else "###"
        return f"{level} {' '.join(self.v.content(self.rng, self.rng.randint(2, 6))).capitalize()}"

    def code(self) -> str:
        """A fenced code block."""
        rng = self.rng
        lang = rng.choice(CODE_LANGS)
        lines = [
            f"{'    ' * rng.randint(0, 2)}{'_'.join(self.v.text(rng, 2))} = "
            f"{rng.randint(0, 9999)}  # {' '.join(self.v.text(rng, 3))}"
            for _ in range(rng.randint(2, 14))
        ]
        return f"```{lang}\n" + "\n".join(lines) + "\n```"

    def bullets(self) -> str:
        """A bulleted or numbered list."""
        rng = self.rng
        marker = rng.choice(("- ", "* ", "1. "))
        return "\n".join(
            marker + " ".join(self.v.text(rng, rng.randint(3, 12)))
            for _ in range(rng.randint(2, 7))
        )

    def table(self) -> str:
        """A pipe table."""
        rng = self.rng
        cols = rng.randint(2, 4)
        rows = [" | ".join(self.v.text(rng, cols))] + [
            " | ".join(str(rng.randint(1, 999)) for _ in range(cols))
            for _ in range(rng.randint(2, 6))
        ]
        rows.insert(1, " | ".join("---" for _ in range(cols)))
        return "\n".join(f"| {row} |" for row in rows)

    def quote(self) -> str:
        """A block quote."""
        return "> " + self.sentence(self.rng.randint(6, 20))


# -- dates and front matter ----------------------------------------------------------------

OFFSETS = (0, 0, 0, 2, 8, -7, -5, 1, 5.5)


def pick_instant(rng: random.Random, future: bool) -> datetime:
    """A UTC instant, uniform over the 15 years (or in 2027 for a future post), to the minute."""
    if future:
        return datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(500_000))
    span = int((END - START).total_seconds() // 60)
    return START + timedelta(minutes=rng.randrange(span))


def local(instant: datetime, hours: float) -> datetime:
    """The instant seen in a fixed offset."""
    return instant.astimezone(timezone(timedelta(hours=hours)))


def q(value: str) -> str:
    """A string quoted for YAML or TOML (a JSON string is valid in both)."""
    return json.dumps(value, ensure_ascii=False)


def yaml_list(items: list[str], block: bool, ints: bool = True) -> str:
    """A YAML list, flow or block; tags that are years go unquoted (YAML reads integers)."""
    cells = [t if ints and t.isdigit() else q(t) for t in items]
    if block:
        return "".join(f"\n  - {c}" for c in cells)
    return "[" + ", ".join(cells) + "]"


def iso_z(instant: datetime) -> str:
    """ISO 8601 UTC with Z, as PostDate.iso prints it."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Draft:
    """One post being assembled: where it goes, its front matter text and its expected record."""

    path: str
    front: str
    body: str
    record: dict[str, object]
    crlf: bool = False
    bom: bool = False


def slugify(title: str, index: int) -> str:
    """A URL slug: ASCII letters and digits of the title, made unique by the post number."""
    ascii_part = "-".join(
        "".join(c for c in w if c.isascii() and c.isalnum()) for w in title.lower().split()
    )
    ascii_part = "-".join(filter(None, ascii_part.split("-")))[:48].strip("-")
    return f"{ascii_part or 'post'}-{index}"


class CorpusBuilder:
    """Lays out posts by kind and writes them."""

    def __init__(self, out: Path, posts: int, seed: int) -> None:
        self.out, self.total, self.seed = out, posts, seed
        self.vocab = Vocabulary()
        self.manifest = Manifest(root=out, seed=seed)
        self.rare_by_post = self.assign_rare_words()

    def assign_rare_words(self) -> dict[int, list[str]]:
        """Spread rare words: each lands in 1-5 posts, about one word per 50 posts."""
        rng = random.Random(f"{self.seed}:rare")
        count = min(len(self.vocab.rare_pool), max(10, self.total // 50))
        by_post: dict[int, list[str]] = {}
        for word in self.vocab.rare_pool[:count]:
            for post in rng.sample(range(self.total), min(self.total, rng.randint(1, 5))):
                by_post.setdefault(post, []).append(word)
        return by_post

    def build(self) -> Manifest:
        """Generate and write every post."""
        self.out.mkdir(parents=True, exist_ok=True)
        for index in range(self.total):
            draft = self.make(index)
            self.write(draft)
        self.manifest.posts.sort(key=lambda p: p.path)
        self.manifest.resources.sort()
        return self.manifest

    def make(self, index: int) -> Draft:
        """Choose this post's kind and build it."""
        rng = random.Random(f"{self.seed}:{index}")
        roll = rng.random()
        kinds = (
            (0.38, self.hugo_yaml),
            (0.50, self.hugo_toml),
            (0.55, self.hugo_json),
            (0.70, self.bundle),
            (0.96, self.jekyll),
            (0.97, self.jekyll_draft),
        )
        maker = next((m for limit, m in kinds if roll < limit), self.page)
        return maker(PostWriter(self.vocab, rng, index))

    def size_target(self, rng: random.Random, index: int) -> int:
        """Bytes of body: log-normal (median ~6 KB, mean ~8.5 KB), a few ~100 KB."""
        if index % HUGE_EVERY == HUGE_EVERY // 2:
            return rng.randint(90_000, 110_000)
        return max(200, int(rng.lognormvariate(math.log(5600), 0.85)))

    def common(self, w: PostWriter, kind: str, *, cjk: bool | None = None) -> dict[str, object]:
        """The fields every kind shares: title, body, rare words, size."""
        rng = w.rng
        cjk = rng.random() < CJK_SHARE if cjk is None else cjk
        rare = self.rare_by_post.get(w.index, [])
        body = w.body(self.size_target(rng, w.index), rare, cjk, rng.random() < 0.15)
        return {
            "kind": kind,
            "title": w.title(cjk),
            "body": body,
            "cjk": cjk,
            "rare": tuple(rare),
            "lang": None,
            "draft": False,
        }

    def dated(self, w: PostWriter, chance_future: float = 0.005) -> datetime:
        """A post's instant (future for a few)."""
        return pick_instant(w.rng, w.rng.random() < chance_future)

    # -- Hugo sections ---------------------------------------------------------------------

    def hugo_yaml(self, w: PostWriter) -> Draft:
        """posts/SLUG.md with YAML front matter; some drafts, some in other languages."""
        rng, c = w.rng, self.common(w, "hugo-yaml")
        instant = self.dated(w)
        tags, cats = w.pick_tags(False), w.pick_categories()
        author = rng.choice(AUTHORS)
        slug = slugify(str(c["title"]), w.index)
        lang = "fr" if rng.random() < 0.02 else None
        path = f"posts/{slug}.{lang}.md" if lang else f"posts/{slug}.md"
        date_text, day, instant = self.hugo_date_yaml(rng, instant)
        lines = [
            f"title: {q(str(c['title']))}",
            f"date: {date_text}",
            f"author: {q(author)}",
            f"tags: {yaml_list(tags, rng.random() < 0.5)}",
        ]
        if cats or rng.random() < 0.5:
            lines.append(f"categories: {yaml_list(cats, rng.random() < 0.3, ints=False)}")
        draft = rng.random() < 0.03
        if draft:
            lines.append("draft: true")
        if rng.random() < 0.3:
            lines.append(f"description: {q(w.sentence(8))}")
        c.update(lang=lang, draft=draft)
        return self.draft(
            path,
            "---\n" + "\n".join(lines) + "\n---\n",
            c,
            slug,
            instant,
            day,
            tags,
            cats,
            (author,),
            crlf=rng.random() < 0.02,
            bom=rng.random() < 0.005,
        )

    def hugo_date_yaml(self, rng: random.Random, instant: datetime) -> tuple[str, date, datetime]:
        """A YAML date in one of the forms Hugo sites use, the day as written, the instant."""
        form = rng.random()
        if form < 0.35:  # a bare date means midnight UTC
            day = instant.date()
            return day.isoformat(), day, datetime.combine(day, datetime.min.time(), UTC)
        seen = local(instant, rng.choice(OFFSETS))
        if form < 0.8:
            return seen.isoformat(), seen.date(), instant
        return q(seen.isoformat().replace("+00:00", "Z")), seen.date(), instant

    def hugo_toml(self, w: PostWriter) -> Draft:
        """notes/SLUG.md with TOML front matter."""
        rng, c = w.rng, self.common(w, "hugo-toml")
        instant = self.dated(w)
        tags, cats = w.pick_tags(False), w.pick_categories()
        slug = slugify(str(c["title"]), w.index)
        seen = local(instant, rng.choice(OFFSETS))
        bare = rng.random() < 0.3
        day = instant.date() if bare else seen.date()
        date_text = instant.date().isoformat() if bare else seen.isoformat()
        authors = rng.sample(AUTHORS, rng.choice((1, 1, 2)))
        lines = [
            f"title = {q(str(c['title']))}",
            f"date = {date_text}",
            f"tags = [{', '.join(map(q, tags))}]",
            f"categories = [{', '.join(map(q, cats))}]",
            f"authors = [{', '.join(map(q, authors))}]",
        ]
        if rng.random() < 0.2:
            lines.append("[params]\nmood = " + q(w.v.text(rng, 1)[0]))
        closing = "+++" + (" " * rng.randint(1, 3) if rng.random() < 0.05 else "")
        front = "+++\n" + "\n".join(lines) + f"\n{closing}\n"
        if bare:
            instant = datetime.combine(instant.date(), datetime.min.time(), UTC)
        return self.draft(
            f"notes/{slug}.md", front, c, slug, instant, day, tags, cats, tuple(authors)
        )

    def hugo_json(self, w: PostWriter) -> Draft:
        """links/SLUG.md with JSON front matter, as Hugo accepts it."""
        rng, c = w.rng, self.common(w, "hugo-json")
        instant = self.dated(w)
        tags, cats = w.pick_tags(False), w.pick_categories()
        slug = slugify(str(c["title"]), w.index)
        seen = local(instant, rng.choice(OFFSETS))
        data: dict[str, object] = {
            "title": c["title"],
            "date": seen.isoformat(),
            "tags": tags,
            "categories": cats,
            "slug": slug,
        }
        front = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return self.draft(f"links/{slug}.md", front, c, slug, instant, seen.date(), tags, cats, ())

    def page(self, w: PostWriter) -> Draft:
        """pages/NAME.md: a page with a title and no date (undated)."""
        c = self.common(w, "page", cjk=False)
        slug = slugify(str(c["title"]), w.index)
        front = f"---\ntitle: {q(str(c['title']))}\nlayout: page\n---\n"
        return self.draft(f"pages/{slug}.md", front, c, slug, None, None, [], [], ())

    # -- Hugo leaf bundles -----------------------------------------------------------------

    def bundle(self, w: PostWriter) -> Draft:
        """articles/[SERIES/]SLUG/index.md with resources (.md ones too, and a nested bundle)."""
        rng, c = w.rng, self.common(w, "bundle")
        instant = self.dated(w)
        tags, cats = w.pick_tags(False), w.pick_categories()
        slug = slugify(str(c["title"]), w.index)
        folder = (
            f"articles/series-{w.index % 7}/{slug}" if rng.random() < 0.1 else (f"articles/{slug}")
        )
        date_text, day, instant = self.hugo_date_yaml(rng, instant)
        author = rng.choice(AUTHORS)
        front = (
            f"---\ntitle: {q(str(c['title']))}\ndate: {date_text}\n"
            f"tags: {yaml_list(tags, False)}\ncategories: {yaml_list(cats, False, False)}\n"
            f"author: {q(author)}\n---\n"
        )
        self.resources(rng, folder)
        if rng.random() < 0.02:
            c["body"] = f'{{{{< figure src="cover.svg" title="{slug}" >}}}}\n\n{c["body"]}'
        return self.draft(f"{folder}/index.md", front, c, slug, instant, day, tags, cats, (author,))

    def resources(self, rng: random.Random, folder: str) -> None:
        """Write a bundle's resources: an image, sometimes notes.md, rarely a nested bundle."""
        base = self.out / folder
        base.mkdir(parents=True, exist_ok=True)
        extra = {"cover.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n'}
        if rng.random() < 0.2:
            extra["notes.md"] = "---\ntitle: Notes\n---\n\nA resource of the bundle, not a post.\n"
        if rng.random() < 0.03:
            extra["extra/index.md"] = "---\ntitle: Nested\n---\n\nInside a leaf bundle.\n"
        for name, text in extra.items():
            target = base / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self.manifest.resources.append(f"{folder}/{name}")

    # -- Jekyll ----------------------------------------------------------------------------

    def jekyll(self, w: PostWriter) -> Draft:
        """_posts/YYYY-MM-DD-slug.md with Jekyll habits: string tags, `+0200` dates."""
        rng, c = w.rng, self.common(w, "jekyll", cjk=False)
        instant = self.dated(w)
        slug = slugify(str(c["title"]), w.index)
        string_tags = rng.random() < 0.6
        tags, cats = w.pick_tags(string_tags), w.pick_categories()
        lines = [f"layout: post\ntitle: {q(str(c['title']))}"]
        day, instant, name_day = self.jekyll_date(rng, instant, lines)
        if tags or rng.random() < 0.3:
            text = " ".join(tags) if string_tags else yaml_list(tags, False)
            lines.append(f"tags: {text}")
        cats = self.jekyll_categories(rng, cats, lines)
        published = rng.random() >= 0.02
        if not published:
            lines.append("published: false")
        author = rng.choice(AUTHORS)
        lines.append(f"author: {q(author)}")
        c.update(draft=not published)
        ext = ".markdown" if rng.random() < 0.3 else ".md"
        path = f"_posts/{name_day.isoformat()}-{slug}{ext}"
        return self.draft(
            path,
            "---\n" + "\n".join(lines) + "\n---\n",
            c,
            slug,
            instant,
            day,
            tags,
            cats,
            (author,),
        )

    def jekyll_date(
        self, rng: random.Random, instant: datetime, lines: list[str]
    ) -> tuple[date, datetime, date]:
        """Write a Jekyll date line (or none); return (day as written, instant, file-name day)."""
        form = rng.random()
        if form < 0.06:  # no date: the file name's, midnight UTC
            midnight = datetime.combine(instant.date(), datetime.min.time(), UTC)
            return instant.date(), midnight, instant.date()
        seen = local(instant, rng.choice((2, 2, 1, 0, -7, -8, 5.5)))
        name_day = seen.date()
        if form < 0.12:  # the front matter date wins over a different file-name date
            name_day = seen.date() - timedelta(days=rng.randint(1, 40))
        stamp = seen.strftime("%Y-%m-%d %H:%M:%S %z")
        lines.append(f"date: {q(stamp) if rng.random() < 0.15 else stamp}")
        return seen.date(), instant, name_day

    def jekyll_categories(self, rng: random.Random, cats: list[str], lines: list[str]) -> list[str]:
        """`category: x`, `categories: [..]` or a space-separated string (which Jekyll splits)."""
        if not cats:
            return []
        form = rng.random()
        if form < 0.4 and len(cats) == 1:
            lines.append(f"category: {q(cats[0])}")
            return cats
        if form < 0.7:
            lines.append(f"categories: {yaml_list(cats, False, False)}")
            return cats
        lines.append(f"categories: {' '.join(cats)}")
        return [part for cat in cats for part in cat.split()]

    def jekyll_draft(self, w: PostWriter) -> Draft:
        """_drafts/slug.md: a Jekyll draft with a front-matter date."""
        c = self.common(w, "jekyll-draft", cjk=False)
        instant = self.dated(w, 0.0)
        slug = slugify(str(c["title"]), w.index)
        tags = w.pick_tags(True)
        seen = local(instant, 2)
        lines = [
            f"title: {q(str(c['title']))}",
            f"date: {seen.strftime('%Y-%m-%d %H:%M:%S %z')}",
            f"tags: {' '.join(tags)}",
        ]
        c.update(draft=True)
        return self.draft(
            f"_drafts/{slug}.md",
            "---\n" + "\n".join(lines) + "\n---\n",
            c,
            slug,
            instant,
            seen.date(),
            tags,
            [],
            (),
        )

    # -- assembling ------------------------------------------------------------------------

    def draft(
        self,
        path: str,
        front: str,
        c: dict[str, object],
        slug: str,
        instant: datetime | None,
        day: date | None,
        tags: list[str],
        cats: list[str],
        authors: tuple[str, ...],
        *,
        crlf: bool = False,
        bom: bool = False,
    ) -> Draft:
        """Bundle the pieces with the expected record."""
        record = {
            "path": path,
            "kind": c["kind"],
            "title": c["title"],
            "slug": slug,
            "date": iso_z(instant) if instant else None,
            "day": day.isoformat() if day else None,
            "tags": tuple(tags),
            "categories": tuple(cats),
            "authors": authors,
            "draft": c["draft"],
            "lang": c["lang"],
            "cjk": c["cjk"],
            "rare": c["rare"],
        }
        return Draft(path, front, str(c["body"]), record, crlf=crlf, bom=bom)

    def write(self, draft: Draft) -> None:
        """Write one post and record it."""
        text = draft.front + "\n" + draft.body
        if draft.crlf:
            text = text.replace("\n", "\r\n")
        data = ("\ufeff" if draft.bom else "").encode() + text.encode("utf-8")
        target = self.out / draft.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.manifest.bytes += len(data)
        self.manifest.posts.append(PostRecord(size=len(data), **draft.record))  # type: ignore[arg-type]


def generate(out: Path, posts: int, seed: int = 1) -> Manifest:
    """Write `posts` generated posts under `out` (created if needed) and describe them.

    The same (posts, seed) always writes the same bytes. `out` should be empty or absent.
    """
    return CorpusBuilder(Path(out), posts, seed).build()


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (should be empty or absent)")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--manifest", type=Path, help="also write the manifest as JSON here")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    started = time.perf_counter()
    manifest = generate(args.out, args.posts, args.seed)
    elapsed = time.perf_counter() - started
    if args.manifest:
        args.manifest.write_text(manifest.to_json(), encoding="utf-8")
    kinds = Counter(p.kind for p in manifest.posts)
    print(
        f"wrote {len(manifest.posts)} posts ({manifest.bytes / 1e6:.1f} MB) and "
        f"{len(manifest.resources)} resources to {args.out} in {elapsed:.1f} s; "
        + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
