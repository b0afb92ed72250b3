"""The book's browser check (.ci/check_book.py): its judging on hand-made facts, and
end to end on a tiny site in headless Chromium (skipped where no browser is installed)."""

import importlib.util
import io
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "check_book", ROOT / ".ci" / "check_book.py"
)
cb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cb)

REPO = "https://github.com/normlab/normlab"
COLAB = (
    "https://colab.research.google.com/github/normlab/normlab/blob/main/book/ch.ipynb"
)


def facts(**kw):
    base = dict(
        images=[],
        code_cells=0,
        math=0,
        math_unrendered=[],
        math_errors=[],
        error_outputs=[],
        output_texts=[],
        colab=[],
        download_notebook=[],
        download_source=["x"],
        links=[],
        ids=[],
    )
    return base | kw


def test_toc_docnames_walks_parts_chapters_and_sections():
    toc = {
        "format": "jb-book",
        "root": "book/intro",
        "parts": [
            {
                "caption": "A",
                "chapters": [{"file": "book/a.md", "sections": [{"file": "book/a1"}]}],
            },
            {
                "caption": "B",
                "chapters": [{"file": "book/b.ipynb"}, {"url": "https://x.org"}],
            },
        ],
    }
    assert cb.toc_docnames(toc) == ["book/intro", "book/a", "book/a1", "book/b"]
    assert cb.toc_docnames({"root": "r", "chapters": [{"file": "c"}]}) == ["r", "c"]


@pytest.mark.parametrize("url", [REPO, REPO + "/", REPO + ".git"])
def test_colab_url_points_at_the_ipynb_on_main(url):
    assert cb.colab_url(url, "book/ch") == COLAB


def test_is_notebook_reads_the_front_matter(tmp_path):
    nb = tmp_path / "nb.md"
    nb.write_text(
        "---\njupytext:\n  formats: ipynb,md:myst\nkernelspec:\n  name: python3\n---\n"
    )
    plain = tmp_path / "plain.md"
    plain.write_text("# T\n\nkernelspec: not front matter\n")
    assert cb.is_notebook(nb) and not cb.is_notebook(plain) and not cb.is_notebook(None)
    assert (
        cb.source_file(tmp_path, "nb") == nb
        and cb.source_file(tmp_path, "none") is None
    )


def test_output_problems_find_tracebacks_errors_and_stderr():
    f = facts(
        error_outputs=[
            {"classes": "output traceback highlight", "text": "\nZeroDivisionError"}
        ],
        output_texts=[
            "\nZeroDivisionError",  # the block above: reported once
            "fine: 97.8 %",
            "Traceback (most recent call last):\n  File x",
            "loss 0.3\nValueError: bad shape",
        ],
    )
    got = cb.output_problems(f)
    assert len(got) == 3
    assert "traceback block: 'ZeroDivisionError'" in got[0]
    assert "contains a traceback" in got[1] and "ValueError: bad shape" in got[2]
    assert cb.output_problems(facts(output_texts=["an Error rate of 2 %"])) == []


def test_table_problems_flag_a_pipe_table_shown_as_text():
    raw = "| parameterization | paper | | \u2014|\u2014| | normal | 8.43 |"
    assert "shown as raw text" in cb.table_problems(facts(raw_tables=[raw]))[0]
    assert cb.table_problems(facts()) == []


def test_image_problems_broken_image_and_notebook_without_figure():
    ok = {"src": "a.png", "width": 640, "alt": "", "in_article": True}
    broken = {
        "src": "http://h/_images/b.png",
        "width": 0,
        "alt": "",
        "in_article": True,
    }
    assert cb.image_problems(facts(images=[ok], code_cells=2), notebook=True) == []
    assert cb.image_problems(facts(images=[ok, broken]), notebook=False) == [
        "image did not load (naturalWidth 0): http://h/_images/b.png"
    ]
    logo = ok | {"in_article": False}
    assert (
        "shows no figure"
        in cb.image_problems(facts(images=[logo], code_cells=2), True)[0]
    )
    assert cb.image_problems(facts(images=[logo], code_cells=2), notebook=False) == []


def test_math_problems():
    assert cb.math_problems(facts(math=0), "no math") == []
    assert (
        "did not start" in cb.math_problems(facts(math=2), "MathJax did not start")[0]
    )
    f = facts(
        math=2,
        math_unrendered=["x^2"],
        math_errors=["Missing }"],
        math_undefined=["\\foo"],
    )
    assert cb.math_problems(f, "ok") == [
        "math not typeset by MathJax: 'x^2'",
        "MathJax error: 'Missing }'",
        "undefined TeX macro: '\\\\foo'",
    ]


def test_button_problems(tmp_path):
    (tmp_path / "book").mkdir()
    kw = dict(docname="book/ch", expected_colab=COLAB, root=tmp_path)
    good = facts(colab=[COLAB], download_notebook=["n"])
    assert any(
        "not in the repository" in p
        for p in cb.button_problems(good, notebook=True, **kw)
    )
    (tmp_path / "book" / "ch.ipynb").write_text("{}")
    assert cb.button_problems(good, notebook=True, **kw) == []
    wrong = facts(colab=[COLAB.replace("/main/", "/dev/")], download_source=[])
    got = cb.button_problems(wrong, notebook=True, **kw)
    assert len(got) == 3 and "expected " + COLAB in got[0]
    assert cb.button_problems(facts(), notebook=False, **kw) == []


def test_link_problems(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "a.html").write_text('<h1 id="top">A</h1><a name="old"></a>')
    (tmp_path / "index.html").write_text("<p>home</p>")
    base = "http://127.0.0.1:1/"
    links = [
        base + "book/a.html#top",
        base + "book/a.html#old",
        base,
        "https://example.org/missing",
        base + "book/a.html#nope",
        base + "book/b.html",
    ]
    got = cb.link_problems(links, base=base, html_dir=tmp_path, ids={})
    assert got == [
        "broken link: book/a.html#nope (no anchor #nope in book/a.html)",
        "broken link: book/b.html (no file book/b.html)",
    ]


def test_listing_problems_flag_a_listing_cut_mid_statement():
    good = "def f(x):\n    return x + 1\n"
    cut = "    total = f(1,\n"  # a stale :lines: range cut the call short
    assert cb.listing_problems(facts(listings=[good])) == []
    (problem,) = cb.listing_problems(facts(listings=[good, cut]))
    assert (
        problem.startswith("code listing does not parse as Python")
        and "total = f(1," in problem
    )


def test_width_problems_name_the_element_and_the_widths():
    wide = {"tag": "table", "width": 1400, "column": 820, "text": "chapter claim"}
    (problem,) = cb.width_problems(facts(too_wide=[wide]))
    assert (
        problem == "table is wider than its column (1400 px > 820 px): 'chapter claim'"
    )
    assert cb.width_problems(facts()) == []


def test_outdated_problems_require_the_mark_for_each_outdated_result_loaded(tmp_path):
    src = tmp_path / "ch.md"
    src.write_text(
        'full = experiments.committed("elu_mnist")\nx = experiments.committed("snn")\n'
    )
    unmarked = facts(article_text="a figure")
    marked = facts(article_text="elu_mnist: OUTDATED: the committed run predates ...")
    (problem,) = cb.outdated_problems(unmarked, src, {"elu_mnist", "other"})
    assert "outdated committed Result of elu_mnist" in problem
    assert cb.outdated_problems(marked, src, {"elu_mnist", "other"}) == []
    assert (
        cb.outdated_problems(unmarked, src, {"other"}) == []
    )  # loads no outdated Result


def test_known_console_errors_are_matched_exactly():
    thebe = "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared"
    assert cb.known_console_error(thebe) == thebe[len("SyntaxError: ") :]
    assert cb.known_console_error("Identifier 'x' has already been declared") is None


# --- end to end in the browser ---------------------------------------------------

MATHJAX = ROOT / ".ci" / "mathjax" / "node_modules" / "mathjax"
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<script>window.MathJax = {{options: {{processHtmlClass: "math",
  ignoreHtmlClass: "document"}}}};</script>
<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
</head><body class="document"><article>
<a class="btn-download-source-button" href="../_sources/{name}.md">.md</a>
{buttons}
<h1 id="top">{title}</h1><span class="math">\\(a^2 + b^2\\)</span>
<a href="{other}.html#top">other</a>
<div class="cell"><div class="cell_output"><img src="../_images/{img}" alt="fig"></div></div>
{extra}
</article></body></html>"""
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4d10000000049454e44ae426082"
)


def _site(tmp_path):
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/a\nchapters:\n- file: book/b\n"
    )
    (root / "_config.yml").write_text(f"repository:\n  url: {REPO}\n  branch: main\n")
    front = (
        "---\njupytext:\n  formats: ipynb,md:myst\nkernelspec:\n  name: python3\n---\n"
    )
    for name in ("a", "b"):
        (root / "book" / f"{name}.md").write_text(front + "# T\n")
        (root / "book" / f"{name}.ipynb").write_text("{}")
    html = root / "_build" / "html"
    for sub in ("book", "_images", "_sources/book"):
        (html / sub).mkdir(parents=True)
    (html / "_images" / "fig.png").write_bytes(PNG)
    for name, other in (("a", "b"), ("b", "a")):
        (html / "_sources" / "book" / f"{name}.md").write_text("# T\n")
        (html / "_sources" / "book" / f"{name}.ipynb").write_text("{}")
        colab = f"https://colab.research.google.com/github/normlab/normlab/blob/main/book/{name}.ipynb"
        buttons = (
            f'<a href="{colab}">Colab</a>'
            f'<a class="btn-download-notebook-button" href="../_sources/book/{name}.ipynb">nb</a>'
        )
        page = PAGE.format(
            title=name,
            name=f"book/{name}",
            buttons=buttons,
            other=other,
            img="fig.png",
            extra="",
        )
        (html / "book" / f"{name}.html").write_text(page)
    return root, html


def _run(root, html, tmp_path):
    out = io.StringIO()
    problems = cb.check(
        html,
        root,
        mathjax_dir=MATHJAX,
        screenshots=tmp_path / "shots",
        chromium=shutil.which("chromium"),
        out=out,
    )
    return problems, out.getvalue()


@pytest.mark.skipif(
    shutil.which("chromium") is None
    or importlib.util.find_spec("playwright") is None
    or not (MATHJAX / "es5" / "tex-mml-chtml.js").is_file(),
    reason="needs chromium, playwright (pip install -e '.[browser]') and "
    "npm install --prefix .ci/mathjax mathjax@3",
)
def test_browser_check_passes_a_good_site_and_names_each_planted_problem(tmp_path):
    root, html = _site(tmp_path)
    problems, out = _run(root, html, tmp_path)
    assert problems == [], out
    assert (tmp_path / "shots" / "book__a.png").stat().st_size > 1000

    # An outdated committed Result that page b loads without its mark.
    from normlab import experiments
    from normlab.results import Result, save

    config = experiments.get("mlp_mnist").get_config("full")
    seeds = config.pop("seeds")
    save(
        Result("mlp_mnist", "full", {**config, "epochs": -1}, seeds, {}),
        root / "book" / "results" / "mlp_mnist-full.json",
    )
    (root / "book" / "b.md").write_text(
        (root / "book" / "b.md").read_text()
        + 'full = experiments.committed("mlp_mnist")\n'
    )

    page = (html / "book" / "b.html").read_text()
    error = '<div class="cell_output"><div class="output traceback">ValueError: boom</div></div>'
    planted = page.replace("fig.png", "gone.png").replace("<p-end>", "")
    planted = planted.replace(
        "</article>", error + "<a href='a.html#nowhere'>x</a></article>"
    )
    planted = planted.replace("a^2 + b^2", "a^2 + b^2}")
    planted = planted.replace(
        "</article>", "<p>| a | b | |---|---| | 1 | 2 |</p></article>"
    )
    planted = planted.replace(
        "</article>", '<span class="math">\\(\\foo x\\)</span></article>'
    )
    listing = (
        '<div class="highlight-python notranslate"><pre>    total = f(1,\n</pre></div>'
    )
    wide = '<table style="width: 3000px"><tr><td>wide</td></tr></table>'
    planted = planted.replace("</article>", listing + wide + "</article>")
    (html / "book" / "b.html").write_text(planted)
    problems, out = _run(root, html, tmp_path)
    text = "\n".join(problems)
    assert "book/b: image did not load (naturalWidth 0)" in text and "gone.png" in text
    assert "book/b: HTTP 404 for _images/gone.png" in text
    assert "book/b: cell output is a traceback block: 'ValueError: boom'" in text
    assert "book/b: broken link: book/a.html#nowhere" in text
    assert "book/b: MathJax error: 'Extra close brace or missing open brace'" in text
    assert "book/b: undefined TeX macro: '\\\\foo'" in text
    assert "book/b: a Markdown table is shown as raw text: '| a | b |" in text
    assert "book/b: code listing does not parse as Python" in text
    assert (
        "book/b: shows the outdated committed Result of mlp_mnist without its mark"
        in text
    )
    assert "book/b: table is wider than its column (3000 px" in text
    assert len(problems) == 10, out  # the ten above, each said once
    assert not any(p.startswith("book/a:") for p in problems), out


def test_outdated_problems_see_the_results_a_chapter_leads_with(tmp_path):
    src = tmp_path / "ch.md"
    src.write_text('r = plotting.lead("elu_mnist", profile)\n')
    (problem,) = cb.outdated_problems(
        facts(article_text="a figure"), src, {"elu_mnist"}
    )
    assert "elu_mnist" in problem


def test_wide_cells_tables_and_listings_fail():
    cell = {"tag": "pre", "width": 900, "column": 752, "text": "x = 1", "kind": "cell"}
    listing = {**cell, "kind": "listing", "text": "def f(): ..."}
    table = {**cell, "tag": "table", "kind": "table"}
    narrow = {**listing, "width": 700}
    got = cb.width_problems(facts(too_wide=[cell, listing, table]))
    assert len(got) == 3
    assert "pre is wider than its column (900 px > 752 px): 'def f(): ...'" in got
    assert cb.width_problems(facts(too_wide=[narrow]), kinds=("table",)) == []
