"""Markdown (CommonMark, raw HTML off) rendered and sanitized: only allow-listed tags reach a reader."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from forum.content.render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, excerpt, plain_text, render_markdown


def test_commonmark_emphasis_lists_and_paragraphs():
    html = render_markdown("Some *soft* and **strong** words\n\n- one\n- two\n\n1. first\n2. second")
    assert "<p>Some <em>soft</em> and <strong>strong</strong> words</p>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>" in html


def test_quotes_code_and_strikethrough_are_kept():
    html = render_markdown("> held\n\n`x = 1`\n\n```\nblock <b>\n```\n\n~~gone~~")
    assert "<blockquote>\n<p>held</p>\n</blockquote>" in html
    assert "<code>x = 1</code>" in html
    assert "<pre><code>block &lt;b&gt;\n</code></pre>" in html
    assert "<del>gone</del>" in html or "<s>gone</s>" in html


def test_headings_are_shifted_below_the_pages_own():
    html = render_markdown("# Big\n\n## Smaller")
    assert "<h3>Big</h3>" in html and "<h4>Smaller</h4>" in html
    assert "<h1" not in html and "<h2" not in html


def test_links_get_rel_nofollow_ugc_noopener():
    html = render_markdown("[a helpline](https://example.org/help)")
    assert html == f'<p><a href="https://example.org/help" rel="{LINK_REL}">a helpline</a></p>'
    assert LINK_REL == "nofollow ugc noopener"


def test_an_authors_own_rel_is_replaced():
    html = render_markdown('[x](https://example.org "title")')
    assert f'rel="{LINK_REL}"' in html and html.count("rel=") == 1


def test_bare_urls_become_safe_links():
    html = render_markdown("see https://example.org/page for more")
    assert re.search(rf'<a href="https://example.org/page" rel="{LINK_REL}">https://example.org/page</a>', html)


def test_mailto_links_are_allowed():
    assert 'href="mailto:help@example.org"' in render_markdown("[mail](mailto:help@example.org)")


class _Markup(HTMLParser):
    """The real elements and attributes of some HTML (escaped text like &lt;script&gt; is not markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_comment(self, data: str) -> None:
        self.tags.append("<!--")


def markup_of(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def assert_safe(html: str) -> None:
    markup = markup_of(html)
    assert set(markup.tags) <= ALLOWED_TAGS, html
    for tag, name, value in markup.attributes:
        assert name in ALLOWED_ATTRIBUTES.get(tag, ()), (tag, name, html)
        if name == "href":
            scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
            assert scheme in ("", "http", "https", "mailto"), html


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">click</a>',
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>*{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    '<form action="//evil.example"><input name=password></form>',
    "text <p onclick=alert(1)>inline</p> more",
])
def test_raw_html_is_shown_as_text_never_as_markup(payload):
    html = render_markdown(payload)
    assert_safe(html)
    assert markup_of(html).tags in (["p"], [], ["p", "p"])  # at most the paragraph Markdown made


@pytest.mark.parametrize("markdown", [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "![pic](https://example.org/x.png)",
    '![x](https://example.org/x.png "a" onerror="alert(1)")',
    "<javascript:alert(1)>",
    "[ref][1]\n\n[1]: javascript:alert(1)",
])
def test_dangerous_links_and_images_never_become_markup(markdown):
    html = render_markdown(markdown)
    assert_safe(html)
    assert "img" not in markup_of(html).tags


def test_every_link_in_a_post_carries_the_rel():
    html = render_markdown("[a](https://a.example) and https://b.example.org and [c](mailto:c@example.org)")
    links = [(tag, name, value) for tag, name, value in markup_of(html).attributes if tag == "a"]
    assert sum(1 for _, name, _ in links if name == "href") == 3
    assert [value for _, name, value in links if name == "rel"] == [LINK_REL] * 3


def test_escaped_markup_is_shown_as_text():
    html = render_markdown("I typed <b>bold</b> & <i>this</i>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&amp;" in html
    assert "<b>" not in html


def test_tables_render_with_only_allowed_attributes():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in html and "<th" in html and "<td" in html
    assert "style=" not in html


def test_plain_text_and_excerpt_drop_markup_and_decode_entities():
    html = render_markdown("Hello **there** & welcome")
    assert plain_text(html) == "Hello there & welcome"
    long = render_markdown("word " * 100)
    cut = excerpt(long, 40)
    assert cut.endswith("…") and len(cut) <= 41 and "<" not in cut
