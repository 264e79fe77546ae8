"""The document a body becomes, read as plain text: code verbatim in every generator's syntax,
footnotes, callouts of every dialect, shortcodes said in words, MDX, raw HTML, wiki-links.

Every source here is written for these tests (never corpus text).
"""

from __future__ import annotations

import textwrap

import pytest

from blogtui.markup import nodes, parse
from blogtui.markup.breaks import wrap
from blogtui.markup.plain import document_text
from blogtui.markup.targets import targets
from blogtui.markup.urls import display_url
from blogtui.markup.wikilinks import heading_key, resolve


def text(source: str, *, mdx: bool = False) -> str:
    """The plain text of a markdown source (dedented)."""
    return document_text(parse(textwrap.dedent(source), mdx=mdx))


# --- code is shown exactly as written ----------------------------------------------------------

TEMPLATE_CODE = [
    (
        "Tera / Jinja",
        '{% set data = load(path="a.toml") %}{% if data %}{{ data | safe }}{% endif %}',
    ),
    ("Liquid", "{% for post in site.posts %}{{ post.title }}{% endfor %}"),
    ("Nunjucks", '{% highlight "js" %}x{% endhighlight %} {% include "a.njk" %}'),
    ("Hugo shortcodes", '{{< figure src="a.png" >}} {{% note %}}x{{% /note %}}'),
    ("Go templates", '{{ range .Pages }}{{ .Title }}{{ end }} {{image "a.png"}}'),
    ("Zola shortcodes", '{{ youtube(id="abc") }} {% quote(author="A") %}q{% end %}'),
    ("Hexo tag plugins", "{% note warn %}careful{% endnote %} {% asset_img a.png %}"),
    ("wiki-links and MDX", "[[Page]] {/* comment */} import X from 'y'"),
]


@pytest.mark.parametrize(("name", "code"), TEMPLATE_CODE, ids=[c[0] for c in TEMPLATE_CODE])
def test_template_syntax_inside_a_fence_is_shown_verbatim(name: str, code: str) -> None:
    out = text(f"Before.\n\n```jinja\n{code}\n```\n\nAfter.\n")
    assert f"```jinja\n{code}\n```" in out


@pytest.mark.parametrize(("name", "code"), TEMPLATE_CODE, ids=[c[0] for c in TEMPLATE_CODE])
def test_template_syntax_in_inline_code_is_shown_verbatim(name: str, code: str) -> None:
    out = text(f"Write `{code}` in the template.\n")
    assert f"`{code}`" in out


def test_indented_and_tilde_code_and_code_in_lists_and_quotes_are_verbatim() -> None:
    out = text(
        """\
        Para:

            {% if x %}{{ y }}{% endif %}

        ~~~
        {{< note >}}kept{{< /note >}}
        ~~~

        - item

          ```
          {% raw %}stays{% endraw %}? no: Liquid raw is Jekyll's escape
          ```

        > ```
        > {{ .Title }}
        > ```
        """
    )
    assert "{% if x %}{{ y }}{% endif %}" in out
    assert "{{< note >}}kept{{< /note >}}" in out
    assert "> {{ .Title }}" in out


def test_escaped_shortcodes_show_as_their_generator_shows_them() -> None:
    out = text('In code: `{{</* figure src="a" */>}}`; in text: {{%/* note */%}}.\n')
    assert '`{{< figure src="a" >}}`' in out
    assert "in text: {{% note %}}." in out


def test_liquid_raw_shows_its_inside_as_written_everywhere() -> None:
    out = text("Use `{% raw %}{{ site.url }}{% endraw %}` and {% raw %}{% if %}{% endraw %}.\n")
    assert "`{{ site.url }}`" in out
    assert "and {% if %}." in out


def test_go_blog_raw_action_keeps_its_code_as_a_code_block() -> None:
    out = text("Consider:\n{{raw `\n\tfunc f() {\n\t\treturn\n\t}\n`}}\n\nAfter.\n")
    assert "```\nfunc f() {\n\treturn\n}\n```" in out


@pytest.mark.parametrize("lang", ["mermaid", "plantuml", "dot"])
def test_diagrams_are_code_with_their_language_named(lang: str) -> None:
    out = text(f"```{lang}\nsequenceDiagram\n  A->>B: hi\n  B-->>A: ok\n```\n")
    assert out == f"```{lang}\nsequenceDiagram\n  A->>B: hi\n  B-->>A: ok\n```"


def test_code_shortcodes_become_code_blocks() -> None:
    out = text(
        """\
        {{< highlight go "linenos=table" >}}
        fmt.Println("{{ not a template }}")
        {{< /highlight >}}

        {% highlight ruby %}
        puts "{{ page.title }}"
        {% endhighlight %}

        {% codeblock lang:js wrap:false %}
        const a = 1;
        {% endcodeblock %}
        """
    )
    assert '```go\nfmt.Println("{{ not a template }}")\n```' in out
    assert '```ruby\nputs "{{ page.title }}"\n```' in out
    assert "```js\nconst a = 1;\n```" in out


def test_fence_titles_are_named_with_the_language() -> None:
    out = text('```js title="app.js"\nlet a\n```\n\n``` yml _config.yml\nx: 1\n```\n')
    assert "```js (app.js)\nlet a\n```" in out
    assert "```yml (_config.yml)\nx: 1\n```" in out


# --- footnotes and URLs -------------------------------------------------------------------------


def test_footnotes_are_numbered_in_the_text_and_listed_at_the_end() -> None:
    out = text(
        """\
        First claim[^a] and second[^b], first again[^a].

        [^b]: The second note.
        [^a]: The first note, with a [link](https://example.org/%E6%97%A5%E6%9C%AC).

        ## Later heading
        """
    )
    assert "First claim[1] and second[2], first again[1]." in out
    notes = out.split("---\n")[-1]
    assert notes.startswith("[1] The first note, with a link (https://example.org/日本).")
    assert "[2] The second note." in notes
    assert out.index("## Later heading") < out.index("[1] The first")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://x.io/blog/%E5%86%85%E6%A0%B8", "https://x.io/blog/内核"),
        ("https://x.io/a%20b?q=%26", "https://x.io/a%20b?q=%26"),  # delimiters stay escaped
        ("https://x.io/%FF", "https://x.io/%FF"),  # not text
        ("https://x.io/%1B%5B2J", "https://x.io/%1B%5B2J"),  # an escape sequence stays escaped
        ("%7B%7B%25%20eturl%20highlight%20%25%7D%7D", "{{% eturl highlight %}}"),  # a tag
        ("{%25%20link%20x.md%20%25}", "{% link x.md %}"),
        ("%7B%7B%25%20x%1B%5B2J%20%25%7D%7D", "{{%25%20x%1B%5B2J%20%25}}"),  # escapes stay
        ("{{%25%20x%20%25}}%1B%5B2J", "{{%25%20x%20%25}}%1B%5B2J"),  # not one tag: as before
    ],
)
def test_urls_are_shown_percent_decoded(url: str, shown: str) -> None:
    assert display_url(url) == shown


# --- callouts, one style for every dialect ------------------------------------------------------

CALLOUTS = [
    ("Hugo note", "{{< note >}}\nMind the gap.\n{{< /note >}}", "Note"),
    ("Hugo warning %", "{{% warning %}}\nMind the gap.\n{{% /warning %}}", "Warning"),
    ("Hugo caution", "{{< caution >}}Mind the gap.{{< /caution >}}", "Caution"),
    ("Hugo alert color", '{{% alert color="danger" %}}\nMind the gap.\n{{% /alert %}}', "Danger"),
    ("Hugo tip", "{{< tip >}}\nMind the gap.\n{{< /tip >}}", "Tip"),
    ("Hugo notice", "{{% notice info %}}\nMind the gap.\n{{% /notice %}}", "Info"),
    ("GitHub alert", "> [!NOTE]\n> Mind the gap.", "Note"),
    ("GitHub important", "> [!IMPORTANT]\n> Mind the gap.", "Important"),
    ("Obsidian", "> [!tip] Mind\n> Mind the gap.", "Tip: Mind"),
    ("Obsidian fold -", "> [!warning]- Folded\n> Mind the gap.", "Warning: Folded"),
    ("Obsidian fold +", "> [!example]+\n> Mind the gap.", "Example"),
    ("Obsidian custom", "> [!released]\n> Mind the gap.", "Released"),
    ("Docusaurus", ":::note\nMind the gap.\n:::", "Note"),
    ("Docusaurus title", ":::warning[Breaking]\nMind the gap.\n:::", "Warning: Breaking"),
    ("Docusaurus old title", ":::tip Pro tip\nMind the gap.\n:::", "Tip: Pro tip"),
    ("VitePress", "::: danger STOP\nMind the gap.\n:::", "Danger: STOP"),
    ("Hexo", "{% note warn %}\nMind the gap.\n{% endnote %}", "Warning"),
    ("Hexo info", "{% note info no-icon %}\nMind the gap.\n{% endnote %}", "Info"),
    ("JSX", '<Admonition type="caution" title="Careful">\n\nMind the gap.\n\n</Admonition>',
     "Caution: Careful"),
    ("HTML class", '<div class="admonition warning">\n\nMind the gap.\n\n</div>', "Warning"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "source", "heading"), CALLOUTS, ids=[c[0] for c in CALLOUTS])
def test_callouts_of_every_dialect_are_labelled_boxes(name: str, source: str, heading: str) -> None:
    assert text(source + "\n") == f"╭─ {heading}\n│ Mind the gap.\n╰─"


def test_callout_body_keeps_its_markdown_and_a_title_its_links() -> None:
    doc = parse(":::warning[Read [the CVE](https://cve.example/1)]\n- one\n- **two**\n:::\n")
    [callout] = doc.blocks
    assert isinstance(callout, nodes.Callout) and callout.tone == "warning"
    assert isinstance(callout.blocks[0], nodes.ListBlock)
    assert [t.target for t in targets(doc)] == ["https://cve.example/1"]


def test_callout_inside_a_list_item() -> None:
    out = text("- step\n\n  {{< note >}}\n  indented note\n  {{< /note >}}\n")
    assert "- step\n  ╭─ Note\n  │ indented note\n  ╰─" in out


# --- shortcodes said in words ------------------------------------------------------------------

SHORTCODES = [
    ('{{< figure src="x.jpg" caption="A cat" >}}', "[figure: A cat (x.jpg)]"),
    ('{{< figure src="/a.png" alt="session" class="center" >}}', "[figure: session (/a.png)]"),
    ("{{< youtube 1GpTE9L9oBM >}}", "[video: https://www.youtube.com/watch?v=1GpTE9L9oBM]"),
    ('{{< youtube id="abc" title="Talk" >}}', "[video: Talk (https://www.youtube.com/watch?v=abc)]"),
    ("{{< vimeo 19899678 >}}", "[video: https://vimeo.com/19899678]"),
    ("{{< gist alice 1234 >}}", "[gist: https://gist.github.com/alice/1234]"),
    ('{{< x user="bob" id="99" >}}', "[post: https://x.com/bob/status/99]"),
    ("{{< tweet bob 99 >}}", "[post: https://x.com/bob/status/99]"),
    ('{{% include "path/to/file.md" %}}', "[include: path/to/file.md]"),
    ("{{< new-in 0.123.0 >}}", "[new in 0.123.0]"),
    ('A {{< glossary_tooltip text="API group" term_id="api-group" >}} here.', "A API group here."),
    ('Press {{< kbd title="Ctrl" >}} now.', "Press Ctrl now."),
    ("Shows {{< current-version >}} today.", "Shows [current version] today."),
    ("{{< math >}}x^2{{< /math >}}", "```math\nx^2\n```"),
    ('{{< img\n  src="a.jpg"\n  alt="A sunset"\n>}}', "[image: A sunset (a.jpg)]"),
    ("{% asset_img gen.png The console %}", "[image: The console (gen.png)]"),
    ('{{ youtube(id="dQw") }}', "[video: https://www.youtube.com/watch?v=dQw]"),
    ('{{image "pic.png" 300}}', "[image: pic.png]"),
    ("{{ .Title }} stays", "{{ .Title }} stays"),
    ("{% assign x = 1 %}kept", "kept"),
    ("{% comment %}hidden{% endcomment %}kept", "kept"),
    ("[link]({% post_url 2010-07-05-hello %})", "link (2010-07-05-hello)"),
    ('[doc]({{< ref "install.md" >}})', "doc (install.md)"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "expected"), SHORTCODES)
def test_shortcodes_show_what_they_mean(source: str, expected: str) -> None:
    assert text(source + "\n") == expected


def test_unknown_paired_shortcode_shows_its_text_under_its_name() -> None:
    out = text("{{< sidebar-box >}}\nSome **inner** text.\n{{< /sidebar-box >}}\n")
    assert out == "╭─ sidebar box\n│ Some inner text.\n╰─"


def test_table_shortcode_gives_the_table_its_caption() -> None:
    out = text(
        '{{< table caption="Ports we use" >}}\n| a | b |\n|---|---|\n| 1 | 2 |\n{{< /table >}}\n'
    )
    assert out.startswith("Table: Ports we use\n| a   | b   |")


def test_details_and_tabs_show_what_they_mean() -> None:
    out = text(
        """\
        {{< details summary="Open me" >}}
        Hidden text.
        {{< /details >}}

        {{< tabs >}}
        {{< tab name="Linux" >}}apt install x{{< /tab >}}
        {{< tab name="macOS" >}}brew install x{{< /tab >}}
        {{< /tabs >}}
        """
    )
    assert "╭─ details: Open me\n│ Hidden text.\n╰─" in out
    assert "╭─ Linux\n│ apt install x\n╰─" in out and "╭─ macOS\n│ brew install x\n╰─" in out


# --- MDX ---------------------------------------------------------------------------------------


def test_mdx_imports_exports_and_comments_are_not_text() -> None:
    out = text(
        """\
        import Tabs from '@theme/Tabs';
        import {Thing,
          Other} from "./things";
        export const meta = {a: 1};

        Visible {/* a lint directive */} words.

        {/* truncate */}

        Escaped \\<T> generic.
        """,
        mdx=True,
    )
    assert out == "Visible  words.\n\nEscaped <T> generic."


def test_jsx_components_show_their_text_by_one_rule() -> None:
    out = text(
        """\
        <Tabs groupId="pm">
          <TabItem value="npm" label="npm">
            ```sh
            npm i x
            ```
          </TabItem>
          <TabItem value="yarn">
            yarn add x
          </TabItem>
        </Tabs>

        <Figure caption="ignored"><img src="a.png" alt="A graph" /></Figure>

        <div style={{textAlign: 'center'}}>Centred <b>bold</b></div>
        """,
        mdx=True,
    )
    assert "╭─ npm\n│ ```sh\n│ npm i x\n│ ```\n╰─" in out
    assert "yarn add x" in out and "╭─ yarn" not in out  # no title or label: no box
    assert "[figure: A graph (a.png)]" in out
    assert "Centred bold" in out and "style" not in out


# --- raw HTML ------------------------------------------------------------------------------------


def test_raw_html_reads_as_text() -> None:
    out = text(
        """\
        <p align="center">
          <a href="https://example.org/a"><img src="logo.png" alt="Logo"></a>
          <br>Made with <em>care</em> &amp; <code>{{ code }}</code>
        </p>

        <details>
        <summary>More <b>info</b></summary>

        Inside **markdown**.

        </details>

        <!-- a comment with [a link](https://hidden.example) and ![img](hidden.png) -->

        <table><caption>Sizes</caption><tr><th>Name</th><th>Size</th></tr>
        <tr><td>a</td><td>1</td></tr></table>

        <pre><code class="language-go">if a &lt; b {
            return
        }</code></pre>

        <script>alert("no")</script><style>p { color: red }</style>
        """
    )
    assert "[image: Logo] (https://example.org/a)" in out
    assert "Made with care & `{{ code }}`" in out
    assert "╭─ details: More info\n│ Inside markdown.\n╰─" in out
    assert "Table: Sizes\n| Name | Size |" in out
    assert "```go\nif a < b {\n    return\n}\n```" in out
    assert "hidden" not in out and "alert" not in out and "color" not in out


def test_html_comments_contribute_no_links_and_a_badge_is_its_link() -> None:
    doc = parse(
        "<!-- {{< figure src=/me.jpg >}} [x](https://hidden.example) -->\n\n"
        "[![Sponsor](https://img.shields.io/badge/Sponsor-red)](https://github.com/sponsors/a)\n"
        "![A map](map.png) and [[Other page#Part|more]]\n"
    )
    found = [(t.label, t.target, t.image) for t in targets(doc)]
    assert found == [
        ("Sponsor", "https://github.com/sponsors/a", False),
        ("A map", "map.png", True),
        ("more", "[[Other page#Part]]", False),
    ]


def test_attribute_markup_is_not_text() -> None:
    out = text("## Title {#custom-id}\n\nA paragraph.\n{: .note}\n\n| a |\n|---|\n| 1 |\n{.wide}\n")
    assert out.startswith("## Title\n\nA paragraph.\n\n| a")
    assert "{" not in out
    [heading, *_] = parse("## Title {#custom-id}\n").blocks
    assert isinstance(heading, nodes.Heading) and heading.anchor == "custom-id"


# --- wiki-links ----------------------------------------------------------------------------------


def test_wiki_links_and_embeds_are_links() -> None:
    source = "See [[Query Basics]], [[Filters|the filters]], [[Dates#Due Date]], [[#Local]]."
    out = text(source + "\n\n![[Diagram.png]]\n")
    assert out == "See Query Basics, the filters, Dates > Due Date, Local.\n\n[embed: Diagram.png]"
    kinds = [(t.target, t.image) for t in targets(parse("![[Diagram.png]] [[A]]"))]
    assert kinds == [("[[Diagram.png]]", True), ("[[A]]", False)]


VAULT = {
    "Introduction.md": "intro",
    "Queries/Filters.md": "filters",
    "Queries/Sorting.md": "sorting deep",
    "Sorting.md": "sorting shallow",
    "Old/Deep/Grouping.md": "grouping",
    "How To/Grouping.md": "grouping short",
}


@pytest.mark.parametrize(
    ("page", "found"),
    [
        ("Introduction", "intro"),
        ("introduction", "intro"),  # case does not matter
        ("filters", "filters"),  # anywhere in the vault
        ("Queries/Filters", "filters"),
        ("Filters.md", "filters"),
        ("Sorting", "sorting shallow"),  # shortest path wins a tie
        ("Queries/Sorting", "sorting deep"),
        ("Grouping", "grouping short"),
        ("Changelog", "intro"),  # a front-matter alias of Introduction
        ("Nowhere", None),
    ],
)
def test_wiki_links_resolve_as_obsidian_does(page: str, found: str | None) -> None:
    aliases = {"changelog": "intro", "what is new/changelog": "intro"}
    assert resolve(page, "Queries/Filters.md", VAULT, lambda: aliases) == found


def test_headings_match_ignoring_case_and_punctuation() -> None:
    assert heading_key("Due Date") == heading_key("due-date") == heading_key("Due date!")
    assert heading_key("File Searching Logic") == heading_key("file-searching-logic")
    assert heading_key("日本語の見出し") == heading_key("日本語の見出し")


# --- line breaking -------------------------------------------------------------------------------


def _lines(text: str, width: int) -> list[str]:
    return [text[start:end] for start, end in wrap(text, width)]


def test_cjk_breaks_between_characters_and_keeps_closing_punctuation() -> None:
    source = "時は流れて又一年。二〇二四年の終わりに、振り返る。"
    lines = _lines(source, 12)
    assert lines[0] == "時は流れて又"  # six characters fill twelve cells: no waiting for a space
    assert "".join(lines) == source
    assert not any(line.startswith(("。", "、")) for line in lines)
    assert all(len(line) * 2 <= 12 for line in lines)


def test_cjk_line_fills_the_width_before_latin_text() -> None:
    text_ = "春が来た。Spring came to the hills and the valleys"
    lines = _lines(text_, 20)
    assert lines[0] == "春が来た。Spring"  # 10 + 6 cells: the Latin word fits after the CJK
    assert all(" " not in line[:1] for line in lines)


def test_latin_breaks_at_spaces_and_folds_only_overlong_words() -> None:
    assert _lines("the quick brown fox", 10) == ["the quick", "brown fox"]
    assert _lines("supercalifragilistic word", 8) == ["supercal", "ifragili", "stic", "word"]


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation() -> None:
    source = "彼は「こんにちは」と言った（笑）。そして、帰った。" * 3
    for width in range(8, 40):  # from 8 cells every unbreakable run (`（笑）。`) fits
        lines = _lines(source, width)
        assert not any(line.startswith(("」", "）", "。", "、")) for line in lines[1:])
        assert not any(line.endswith(("「", "（")) for line in lines[:-1])


# --- parsing from several threads at once ------------------------------------------------------


def test_first_links_parsed_in_parallel_threads_all_render() -> None:
    """The reader renders in workers: several threads parsing their first links at once in a
    fresh interpreter all get their links (mdurl's tables are full before any parse starts)."""
    import subprocess
    import sys

    script = textwrap.dedent(
        """
        import threading
        import mdurl._decode, mdurl._encode
        from blogtui.markup import parse
        from blogtui.markup.plain import document_text
        tables = [*mdurl._encode.encode_cache.values(), *mdurl._decode.decode_cache.values()]
        assert tables and all(len(t) == 128 for t in tables), "tables not filled at import"
        failures = []
        def read(n):
            try:
                for i in range(50):
                    document_text(parse(f"[a{n}](http://x/{i}) <https://y/{n}> [b](%zz)"))
            except Exception as error:
                failures.append(repr(error))
        threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(failures or "ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stdout + done.stderr
