"""Check the built book as a reader sees it: every TOC page in headless Chromium.

For every page in ``_toc.yml`` this loads ``_build/html`` over a loopback HTTP
server in Chromium (driven by Playwright) and fails when

- the page logs a console error, throws, or a local resource answers >= 400;
- an image does not load (``naturalWidth == 0``), or a notebook page shows no
  figure at all (a plot that never reached the page);
- a math element is not typeset by MathJax, or MathJax reports a TeX error;
- a cell output is an error: a traceback, an error output, a stderr block,
  ``Traceback (most recent call last)`` or an ``...Error: ...`` line; or a
  Markdown table reached the page as raw ``| a | b |`` text;
- the Colab button is missing or does not open the page's ``.ipynb`` on the
  repository's main branch (``repository.url`` in ``_config.yml``), the paired
  ``.ipynb`` is not in the repository, or a download button is missing;
- a link to a local page, file or anchor does not resolve;
- a quoted Python listing (a ``literalinclude`` or ``code-block`` of Python, not a
  notebook cell) does not parse as Python (a stale line range cuts it mid-statement);
- a table, a notebook cell, a cell output or a quoted library listing (or an API
  docstring example) wider than its column at 1280 px (the reader would have to
  scroll sideways; the library's code is formatted to the column's 88 characters);
- the page loads a committed full-profile Result whose config has changed since it
  ran (``normlab.experiments.outdated``; the page's source names it in
  ``experiments.committed("NAME")``) without showing its mark, the text
  ``NAME: OUTDATED`` that :func:`normlab.experiments.outdated_note` writes.

It saves full-page screenshots of each page into ``_build/screenshots/``, long
pages split into several images of at most 6,000 px.

The pages load MathJax 3 from a CDN that CI cannot reach; the check answers
those requests from a local copy of the ``mathjax@3`` npm package
(``npm install --prefix .ci/mathjax mathjax@3``), so the published HTML keeps
the CDN. Every other off-machine request is blocked and listed.

Usage: python .ci/check_book.py [--html _build/html] [--root .]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MATHJAX_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3[^/]*/(?P<path>[^?#]*)")
ERROR_LINE = re.compile(r"^\s*[A-Za-z_][\w.]*(Error|Exception): ", re.MULTILINE)
TRACEBACK = "Traceback (most recent call last)"
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
VIEWPORT = {"width": 1280, "height": 900}
SHOT_MAX_HEIGHT = 6000
# Console errors that the pinned toolchain itself puts on every page, whatever the
# book contains (both reproduced with a one-page default Jupyter Book 1.0.4 book).
# They are printed as "known" on each run, not hidden; anything else fails.
KNOWN_CONSOLE_ERRORS = {
    "Identifier 'THEBE_JS_URL' has already been declared": (
        "jupyter-book 1.0.4 + sphinx-thebe 0.3.1 write thebe's inline config script twice "
        "into every page; thebe (live code) is not enabled in this book, so nothing breaks"
    ),
    "Got invalid theme mode: . Resetting to auto.": (
        "pydata-sphinx-theme 0.17 on a reader's first visit (empty localStorage); "
        "it then picks the 'auto' mode as intended"
    ),
}

# Runs in the page once it has loaded and MathJax has finished; returns plain data
# that the Python functions below judge (so the judging is testable without a browser).
FACTS_JS = r"""
() => {
  const text = (el) => (el.innerText || el.textContent || "").trim();
  const article = document.querySelector("article") || document.querySelector("main")
    || document.body;
  const maths = [...document.querySelectorAll(".math")];
  return {
    title: document.title,
    images: [...document.images].map((i) => ({
      src: i.currentSrc || i.src, width: i.naturalWidth, alt: i.alt,
      in_article: article.contains(i),
    })),
    code_cells: document.querySelectorAll("div.cell").length,
    math: maths.length,
    math_unrendered: maths.filter((m) => !m.querySelector("mjx-container"))
      .map((m) => text(m).slice(0, 80)),
    math_errors: [...document.querySelectorAll("mjx-merror")]
      .map((m) => m.getAttribute("data-mjx-error") || text(m)),
    // MathJax's noundefined package typesets an unknown macro as red text.
    math_undefined: [...document.querySelectorAll("mjx-container mtext[mathcolor='red']")]
      .map((m) => m.textContent),
    error_outputs: [...document.querySelectorAll(
      ".output.traceback, .output.error, .output.stderr")]
      .map((o) => ({classes: o.className, text: text(o).slice(0, 300)})),
    output_texts: [...document.querySelectorAll(".cell_output, .pasted-text, .pasted-inline")]
      .map(text),
    colab: [...document.querySelectorAll("a[href*='colab.research.google.com']")]
      .map((a) => a.href),
    download_notebook: [...document.querySelectorAll(".btn-download-notebook-button")]
      .map((a) => a.href),
    download_source: [...document.querySelectorAll(".btn-download-source-button")]
      .map((a) => a.href),
    // A Markdown pipe table that reached the page as a paragraph of text.
    raw_tables: [...article.querySelectorAll("p")]
      .filter((p) => /\|\s*:?[-\u2013\u2014]+:?\s*\|/.test(p.textContent))
      .map((p) => text(p).slice(0, 120)),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
    // Quoted Python listings: highlighted blocks outside notebook cells.
    listings: [...article.querySelectorAll(
      "div.highlight-python pre, div.highlight-python3 pre, div.highlight-default pre")]
      .filter((pre) => !pre.closest("div.cell") && !pre.closest(".doctest")
        && !pre.textContent.trimStart().startsWith(">>>"))
      .map((pre) => pre.textContent),
    // Tables and listings wider than the article column (they would scroll sideways).
    too_wide: [...article.querySelectorAll("table, div.highlight pre")]
      .filter((el) => el.scrollWidth > article.clientWidth + 1
        || el.getBoundingClientRect().right > article.getBoundingClientRect().right + 1
        || (el.tagName === "PRE" && el.scrollWidth > el.clientWidth + 1))
      .map((el) => ({tag: el.tagName.toLowerCase(), width: el.scrollWidth,
                     column: article.clientWidth, text: text(el).slice(0, 80),
                     kind: el.tagName === "TABLE" ? "table"
                       : el.closest("div.cell") ? "cell" : "listing"})),
    article_text: text(article),
  };
}
"""

WAIT_IMAGES_JS = """
async () => {
  const imgs = [...document.images];
  imgs.forEach((i) => { i.loading = "eager"; });
  const loaded = Promise.all(imgs.map((i) => i.complete ? null
    : new Promise((r) => { i.addEventListener("load", r); i.addEventListener("error", r); })));
  await Promise.race([loaded, new Promise((r) => setTimeout(r, 20000))]);
}
"""

WAIT_MATHJAX_JS = """
async () => {
  if (!document.querySelector(".math")) return "no math";
  const t0 = Date.now();
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() - t0 > 15000) return "MathJax did not start within 15 s";
    await new Promise((r) => setTimeout(r, 50));
  }
  await MathJax.startup.promise;
  return "ok";
}
"""


# --- pure helpers (tested in tests/test_check_book.py) --------------------------


def toc_docnames(toc: dict) -> list[str]:
    """The document names in a jb-book ``_toc.yml`` (root first, in reading order)."""
    names = [toc["root"]] if "root" in toc else []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            for key in ("sections", "chapters"):
                walk(entry.get(key))
            for part in entry.get("parts", []):
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return [_strip_suffix(n) for n in names]


def _strip_suffix(name: str) -> str:
    for s in SOURCE_SUFFIXES:
        if name.endswith(s):
            return name[: -len(s)]
    return name


def colab_url(repository_url: str, docname: str, branch: str = "main") -> str:
    """Where the Colab button must point: the page's ``.ipynb`` on ``branch`` on GitHub."""
    path = urlsplit(repository_url).path.strip("/")
    path = path[:-4] if path.endswith(".git") else path
    return f"https://colab.research.google.com/github/{path}/blob/{branch}/{docname}.ipynb"


def source_file(root: Path, docname: str) -> Path | None:
    """The page's source file under ``root`` (``.md``, ``.ipynb`` or ``.rst``)."""
    for s in SOURCE_SUFFIXES:
        if (root / f"{docname}{s}").is_file():
            return root / f"{docname}{s}"
    return None


def is_notebook(source: Path | None) -> bool:
    """True for an ``.ipynb`` or a MyST markdown notebook (front matter with a kernelspec)."""
    if source is None:
        return False
    if source.suffix == ".ipynb":
        return True
    text = source.read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---", text, re.DOTALL)
    return bool(m and re.search(r"^kernelspec:", m.group(1), re.MULTILINE))


def known_console_error(text: str) -> str | None:
    """The :data:`KNOWN_CONSOLE_ERRORS` key that ``text`` reports, if any."""
    return next((k for k in KNOWN_CONSOLE_ERRORS if k in text), None)


def output_problems(facts: dict) -> list[str]:
    """Errors shown in cell outputs."""
    problems = []
    for out in facts["error_outputs"]:
        classes = out["classes"].split()
        kind = next((c for c in ("traceback", "error", "stderr") if c in classes), "")
        problems.append(f"cell output is a {kind} block: {_first_line(out['text'])!r}")
    shown = [out["text"] for out in facts["error_outputs"]]
    for text in facts["output_texts"]:
        if any(s and s in text for s in shown):  # already reported as an error block
            continue
        if TRACEBACK in text:
            problems.append(f"cell output contains a traceback: {_first_line(text)!r}")
        elif m := ERROR_LINE.search(text):
            line = text[m.start() :].strip().splitlines()[0]
            problems.append(f"cell output contains an error: {line[:200]!r}")
    return problems


def table_problems(facts: dict) -> list[str]:
    """Markdown tables shown as raw text (e.g. glued Markdown rendered as CommonMark)."""
    return [f"a Markdown table is shown as raw text: {t!r}" for t in facts.get("raw_tables", [])]


def listing_problems(facts: dict) -> list[str]:
    """Quoted Python listings that do not parse (e.g. a stale ``:lines:`` range)."""
    import ast
    import textwrap

    problems = []
    for code in facts.get("listings", []):
        try:
            ast.parse(textwrap.dedent(code))  # a method quoted alone keeps its indent
        except SyntaxError as e:
            problems.append(
                f"code listing does not parse as Python ({e.msg}, line {e.lineno}): "
                f"{_first_line(code)!r}"
            )
    return problems


def width_problems(facts: dict, *, kinds=("table", "cell", "listing")) -> list[str]:
    """Tables, notebook cells and outputs, quoted listings wider than the column (``kinds``)."""
    return [
        f"{w['tag']} is wider than its column ({w['width']} px > {w['column']} px): {w['text']!r}"
        for w in facts.get("too_wide", [])
        if w.get("kind", "table" if w["tag"] == "table" else "cell") in kinds
    ]


COMMITTED_CALL = re.compile(r"""(?:experiments\.committed|\blead)\(\s*["']([a-z0-9_]+)["']""")


def outdated_problems(facts: dict, source: Path | None, outdated: set[str]) -> list[str]:
    """Outdated committed Results that the page loads but does not mark.

    ``outdated`` holds the experiments whose committed full-profile Result is
    outdated; the page must show ``NAME: OUTDATED`` for each one its source loads.
    """
    if source is None or source.suffix != ".md":
        return []
    names = sorted(set(COMMITTED_CALL.findall(source.read_text(encoding="utf-8"))) & outdated)
    text = facts.get("article_text", "")
    return [
        f"shows the outdated committed Result of {name} without its mark "
        f"('{name}: OUTDATED', from normlab.experiments.outdated_note)"
        for name in names
        if f"{name}: OUTDATED" not in text
    ]


def outdated_experiments(root: Path) -> set[str]:
    """The experiments whose committed full-profile Result in ``root/book/results`` is outdated."""
    sys.path.insert(0, str(root))
    try:
        from normlab import experiments
    except ImportError:
        return set()
    finally:
        sys.path.pop(0)
    out = set()
    for name in experiments.names():
        result = experiments.committed(name, folder=root / "book" / "results")
        if result is not None and result.outdated:
            out.add(name)
    return out


def _first_line(text: str) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return lines[0][:200] if lines else ""


def image_problems(facts: dict, notebook: bool) -> list[str]:
    """Images that did not load; a notebook page without any figure."""
    problems = [
        f"image did not load (naturalWidth 0): {img['src'] or '(no src)'}"
        for img in facts["images"]
        if img["width"] == 0
    ]
    if notebook and facts["code_cells"] and not any(i["in_article"] for i in facts["images"]):
        problems.append(
            "notebook page shows no figure: a plot did not reach the page (was the book built "
            "with MPLBACKEND set to a non-inline backend, or is a figure not displayed?)"
        )
    return problems


def math_problems(facts: dict, mathjax_state: str) -> list[str]:
    """Math that MathJax did not typeset or could not parse."""
    if not facts["math"]:
        return []
    if mathjax_state != "ok":
        return [f"math not rendered ({facts['math']} elements): {mathjax_state}"]
    problems = [f"math not typeset by MathJax: {t!r}" for t in facts["math_unrendered"]]
    problems += [f"MathJax error: {e!r}" for e in facts["math_errors"]]
    problems += [f"undefined TeX macro: {m!r}" for m in facts.get("math_undefined", [])]
    return problems


def button_problems(
    facts: dict, *, docname: str, notebook: bool, expected_colab: str, root: Path
) -> list[str]:
    """The Colab and download buttons."""
    problems = []
    if notebook:
        if expected_colab not in facts["colab"]:
            problems.append(
                f"Colab button links {facts['colab'] or 'nowhere (missing)'}, "
                f"expected {expected_colab}"
            )
        if not (root / f"{docname}.ipynb").is_file():
            problems.append(
                f"{docname}.ipynb is not in the repository (the Colab button opens it): "
                f"run `jupytext --to ipynb {docname}.md` and commit it"
            )
        if not facts["download_notebook"]:
            problems.append("download-as-.ipynb button missing")
    elif facts["colab"] and expected_colab not in facts["colab"]:
        problems.append(f"Colab button links {facts['colab']}, expected {expected_colab}")
    if not facts["download_source"]:
        problems.append("download-source button missing")
    return problems


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("id", "name") and v:
                self.ids.add(v)


def html_ids(path: Path) -> set[str]:
    """The ``id`` (and anchor ``name``) values in an HTML file."""
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.ids


def link_problems(
    links: list[str], *, base: str, html_dir: Path, ids: dict[str, set[str]]
) -> list[str]:
    """Local links (under ``base``) whose file or anchor does not exist.

    ``ids`` maps a path relative to ``html_dir`` to its known ids; files not in it
    are parsed on demand (and added).
    """
    problems, seen = [], set()
    for href in links:
        if not href.startswith(base) or href in seen:
            continue
        seen.add(href)
        url, frag = urldefrag(href)
        rel = unquote(urlsplit(url).path)[len(urlsplit(base).path) :]
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        target = html_dir / rel
        shown = href[len(base) :]
        if not target.is_file():
            problems.append(f"broken link: {shown} (no file {rel})")
            continue
        if frag and target.suffix == ".html":
            if rel not in ids:
                ids[rel] = html_ids(target)
            if unquote(frag) not in ids[rel]:
                problems.append(f"broken link: {shown} (no anchor #{unquote(frag)} in {rel})")
    return problems


# --- the browser part -----------------------------------------------------------


def _serve(html_dir: Path):
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def check(
    html_dir: Path,
    root: Path,
    *,
    mathjax_dir: Path,
    screenshots: Path | None,
    chromium: str | None,
    out=sys.stdout,
) -> list[str]:
    """Check every TOC page; return the problems as ``"page: problem"`` lines."""
    from playwright.sync_api import sync_playwright

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    config = yaml.safe_load((root / "_config.yml").read_text())
    repo_url = (config.get("repository") or {}).get("url", "")
    docnames = toc_docnames(toc)
    outdated = outdated_experiments(root)
    all_problems: list[str] = []
    if not repo_url:
        all_problems.append("_config.yml: repository.url is not set (the Colab links need it)")
    if not (mathjax_dir / "es5" / "tex-mml-chtml.js").is_file():
        return all_problems + [
            f"MathJax 3 not found in {mathjax_dir}: "
            "run `npm install --prefix .ci/mathjax mathjax@3` (or pass --mathjax)"
        ]
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)

    server = _serve(html_dir)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    ids: dict[str, set[str]] = {}
    blocked: set[str] = set()
    known_seen: set[str] = set()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport=VIEWPORT)

            def route(r):
                url = r.request.url
                if url.startswith(base):
                    return r.continue_()
                if m := MATHJAX_CDN.match(url):
                    local = mathjax_dir / m.group("path")
                    if local.is_file():
                        return r.fulfill(path=str(local))
                    return r.fulfill(status=404, body=f"not in local MathJax: {m.group('path')}")
                blocked.add(url)
                return r.abort("blockedbyclient")

            context.route("**/*", route)
            for docname in docnames:
                t0 = time.perf_counter()
                problems, summary = _check_page(
                    context,
                    base,
                    docname,
                    html_dir,
                    root,
                    repo_url,
                    ids,
                    screenshots,
                    blocked,
                    known_seen,
                    outdated,
                )
                status = "ok  " if not problems else "FAIL"
                print(f"{status} {docname}: {summary} ({time.perf_counter() - t0:.1f} s)", file=out)
                for p in problems:
                    print(f"     {docname}: {p}", file=out)
                all_problems += [f"{docname}: {p}" for p in problems]
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    for known in sorted(known_seen):
        print(
            f"known toolchain console error, not counted: {known!r}: {KNOWN_CONSOLE_ERRORS[known]}",
            file=out,
        )
    if blocked:
        print(f"blocked {len(blocked)} off-machine request(s):", file=out)
        for url in sorted(blocked):
            print(f"     {url}", file=out)
    return all_problems


def _check_page(  # noqa: PLR0913
    context,
    base,
    docname,
    html_dir,
    root,
    repo_url,
    ids,
    screenshots,
    blocked,
    known_seen,
    outdated,
):
    path = html_dir / f"{docname}.html"
    if not path.is_file():
        return [f"not built: {path} does not exist"], "missing"
    page = context.new_page()
    problems: list[str] = []

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url", "")
            if where in blocked:  # reported once, below the page list
                return
            if where.startswith(base) and msg.text.startswith("Failed to load resource"):
                return  # reported by on_response as "HTTP <status> for <path>"
            _console_error(msg.text, where)

    def on_pageerror(err):
        _console_error(f"uncaught JavaScript error: {err}", "")

    def _console_error(text, where):
        if known := known_console_error(text):
            known_seen.add(known)
        else:
            problems.append(f"console error: {text}" + (f" ({where})" if where else ""))

    def on_response(resp):
        if resp.url.startswith(base) and resp.status >= 400:
            problems.append(f"HTTP {resp.status} for {resp.url[len(base) :]}")

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("response", on_response)
    page.on(
        "requestfailed",
        lambda req: (
            req.url.startswith(base)
            and problems.append(f"request failed: {req.url[len(base) :]} ({req.failure})")
        ),
    )
    try:
        page.goto(base + f"{docname}.html", wait_until="load", timeout=30_000)
        page.evaluate(WAIT_IMAGES_JS)
        mathjax_state = page.evaluate(WAIT_MATHJAX_JS)
        facts = page.evaluate(FACTS_JS)
        if screenshots is not None:
            # The whole page, in parts of at most SHOT_MAX_HEIGHT px: NAME.png, NAME-2.png, ...
            height = page.evaluate("document.documentElement.scrollHeight")
            stem = docname.replace("/", "__")
            for i, top in enumerate(range(0, height, SHOT_MAX_HEIGHT)):
                page.screenshot(
                    path=str(screenshots / (f"{stem}.png" if i == 0 else f"{stem}-{i + 1}.png")),
                    full_page=True,
                    clip={
                        "x": 0,
                        "y": top,
                        "width": VIEWPORT["width"],
                        "height": min(SHOT_MAX_HEIGHT, height - top),
                    },
                )
    finally:
        page.close()
    ids[f"{docname}.html"] = set(facts["ids"])
    for img in facts["images"]:  # name local images by their path in the site
        img["src"] = img["src"].removeprefix(base)
    source = source_file(root, docname)
    notebook = is_notebook(source)
    problems += image_problems(facts, notebook)
    problems += math_problems(facts, mathjax_state)
    problems += output_problems(facts)
    problems += table_problems(facts)
    problems += listing_problems(facts)
    problems += width_problems(facts)
    problems += outdated_problems(facts, source, outdated)
    problems += button_problems(
        facts,
        docname=docname,
        notebook=notebook,
        expected_colab=colab_url(repo_url, docname),
        root=root,
    )
    problems += link_problems(facts["links"], base=base, html_dir=html_dir, ids=ids)
    summary = (
        f"{'notebook' if notebook else 'page'}, {len(facts['images'])} images, "
        f"{facts['math']} math, {facts['code_cells']} cells, {len(facts['links'])} links"
    )
    return problems, summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="the book's root (_toc.yml)")
    ap.add_argument("--html", type=Path, help="the built HTML (default ROOT/_build/html)")
    ap.add_argument(
        "--screenshots", type=Path, help="screenshot folder (default ROOT/_build/screenshots)"
    )
    ap.add_argument(
        "--mathjax",
        type=Path,
        default=ROOT / ".ci/mathjax/node_modules/mathjax",
        help="the mathjax@3 npm package folder",
    )
    ap.add_argument(
        "--chromium",
        default=None,
        help="Chromium executable; 'playwright' for Playwright's own download "
        "(default /usr/bin/chromium if present, else Playwright's)",
    )
    args = ap.parse_args(argv)
    root = args.root.resolve()
    html_dir = (args.html or root / "_build/html").resolve()
    chromium = args.chromium
    if chromium is None and Path("/usr/bin/chromium").exists():
        chromium = "/usr/bin/chromium"
    elif chromium == "playwright":
        chromium = None
    t0 = time.perf_counter()
    problems = check(
        html_dir,
        root,
        mathjax_dir=args.mathjax.resolve(),
        screenshots=args.screenshots or root / "_build/screenshots",
        chromium=chromium,
    )
    took = time.perf_counter() - t0
    if problems:
        print(f"\nbook check FAILED: {len(problems)} problem(s) in {took:.1f} s", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"book check ok: every TOC page passed in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
