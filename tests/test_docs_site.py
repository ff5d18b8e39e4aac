"""The offline documentation site (`python .ci/docs.py` builds `_site/`).

The build takes about two minutes, so these tests check the site in `_site/` and skip, saying so, when there
is none or it is older than the notebooks; `.ci/run` builds it and then runs this file. The last test opens
the site in headless Chromium (Debian's package, driven by Playwright with every network request refused)
and saves screenshots to `_site_artifacts/`."""
import contextlib, functools, http.server, importlib.util, json, re, shutil, threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from execnb.nbio import mk_cell, read_nb

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_site"
ARTIFACTS = ROOT / "_site_artifacts"
NBS = ROOT / "nbs"
_spec = importlib.util.spec_from_file_location("docs_build", ROOT / ".ci" / "docs.py")
docs_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs_build)
CHAPTERS = docs_build.chapters(NBS)


def _title(stem):
    "The notebook's H1."
    first = read_nb(NBS / f"{stem}.ipynb").cells[0].source
    return re.match(r"#\s+(.+)", first).group(1).strip()


def _png_outputs(stem):
    return sum("image/png" in o.get("data", {}) for c in read_nb(NBS / f"{stem}.ipynb").cells for o in c.get("outputs", []))


def _has_math(stem):
    return any(c.cell_type == "markdown" and "$" in c.source for c in read_nb(NBS / f"{stem}.ipynb").cells)


@pytest.fixture(scope="module")
def site():
    "The built site, or a skip saying how to build it."
    index = SITE / "index.html"
    if not index.exists(): pytest.skip("no docs site in _site/: build it with `python .ci/docs.py` (.ci/run does)")
    inputs = [*NBS.glob("*.ipynb"), ROOT / "docs" / "conf.py", ROOT / ".ci" / "docs.py"]
    newer = [p.name for p in inputs if p.stat().st_mtime > index.stat().st_mtime]
    if newer: pytest.skip(f"_site/ is older than {newer}: rebuild it with `python .ci/docs.py`")
    return _Pages({p.relative_to(SITE).as_posix(): BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
                   for p in SITE.rglob("*.html")})


class _Pages(dict):
    "Page path -> parsed page; short in a failure's report."
    def __repr__(self): return f"<{len(self)} pages of {SITE}>"


def _page(site, stem): return site[f"{stem}.html"]


# --- the second pass over nbdev's processed notebooks (fast, no site needed) ---

def test_sphinx_pass_on_a_processed_notebook():
    "Front matter -> H1 and summary; show_doc -> autodoc; Quarto options -> tags; online links -> local xrefs."
    from nbdev.process import NBProcessor
    nb = read_nb(NBS / "08_solve.ipynb")
    sd = mk_cell("#| echo: false\n#| output: asis\nshow_doc(solve)")
    sd.has_sd = True
    nb.cells = [mk_cell("---\ntitle: Solve and certify\ndescription: A summary.\noutput-file: solve.html\n---", "raw"),
                mk_cell("See [`certify`](https://pipeline-nb.github.io/pipeline_nb/solve.html#certify) and `05_bounds`.",
                        "markdown"),
                sd, mk_cell("#| echo: false\nprint(1)"), mk_cell("#| output: false\nx = 1")]
    urls = {"https://pipeline-nb.github.io/pipeline_nb/solve.html#certify": ["pipeline_nb.certificate.certify"],
            "https://pipeline-nb.github.io/pipeline_nb/solve.html#solve": ["pipeline_nb.certificate.solve"]}
    NBProcessor(nb=nb, procs=[docs_build.SphinxNb(nb, urls, CHAPTERS, "solve")], process=True)
    head, text, api, echo, out = nb.cells
    assert head.cell_type == "markdown" and head.source == "# Solve and certify\n\n> A summary."
    assert "{py:obj}`certify <pipeline_nb.certificate.certify>`" in text.source, text.source
    assert "[`05_bounds`](05_bounds.ipynb)" in text.source, text.source
    assert api.cell_type == "markdown" and ".. autofunction:: pipeline_nb.certificate.solve" in api.source, api.source
    assert echo.source == "print(1)" and echo.metadata["tags"] == ["remove-input"]
    assert out.source == "x = 1" and out.metadata["tags"] == ["remove-output"]


def test_quarto_config_matches_nbdev(capsys):
    "`nbdev_docs` (with Quarto) would find its config as nbdev writes it and a sidebar with every chapter in order."
    import yaml
    from nbdev.config import get_config
    from nbdev.quarto import _nbdev_yml, nbdev_sidebar
    cfg = get_config(path=ROOT)
    vals = {k: cfg[k] for k in ["title", "description", "branch", "git_url", "doc_host", "doc_baseurl"]}
    assert (NBS / "nbdev.yml").read_text() == _nbdev_yml.format(doc_path=cfg.doc_path.name, **vals)
    quarto = yaml.safe_load((NBS / "_quarto.yml").read_text())
    assert quarto["project"]["type"] == "website" and {"nbdev.yml", "sidebar.yml"} <= set(quarto["metadata-files"])
    assert not cfg.custom_sidebar, "custom_sidebar: then nbs/sidebar.yml must be committed and kept in order"
    nbdev_sidebar.__wrapped__(path=NBS, printit=True, force=True)
    sidebar = yaml.safe_load(capsys.readouterr().out)["website"]["sidebar"]["contents"]
    assert sidebar == [f"{s}.ipynb" for s in ["index", *CHAPTERS]], sidebar


def test_readme_has_the_documentation_section_of_the_index():
    "README.md is index.ipynb rendered (by Quarto, absent here): the docs section must read the same in both."
    cell = next(c.source for c in read_nb(NBS / "index.ipynb").cells if c.source.startswith("## Documentation"))
    assert cell in (ROOT / "README.md").read_text(encoding="utf-8")


# --- the built site ---

def test_a_page_per_chapter_with_its_title(site):
    for stem in ["index", *CHAPTERS]:
        soup, title = _page(site, stem), _title(stem)
        assert soup.title and soup.title.string.strip().startswith(title), (stem, soup.title)
        assert soup.h1 and soup.h1.get_text(" ", strip=True).rstrip("¶ ") == title, (stem, soup.h1)


def test_sidebar_and_previous_next_links(site):
    order = ["index", *CHAPTERS]
    for i, stem in enumerate(order):
        soup = _page(site, stem)
        side = [a["href"].split("#")[0] or f"{stem}.html" for a in soup.select(".sidebar-tree a.reference")]
        assert side == [f"{c}.html" for c in CHAPTERS], (stem, side)
        prev, nxt = soup.select_one("a.prev-page"), soup.select_one("a.next-page")
        if i: assert prev and prev["href"] == f"{order[i - 1]}.html", (stem, prev)
        if i + 1 < len(order): assert nxt and nxt["href"] == f"{order[i + 1]}.html", (stem, nxt)
        else: assert nxt is None or nxt["href"] in ("genindex.html",), (stem, nxt)
        assert soup.select_one("form.sidebar-search-container input[name=q]"), f"{stem}: no search box"


def _ids(soup): return {t["id"] for t in soup.find_all(id=True)}


def test_every_internal_link_resolves(site):
    ids, broken, checked = {}, [], 0
    for name, soup in site.items():
        for tag, attr in (("a", "href"), ("img", "src"), ("script", "src"), ("link", "href")):
            for t in soup.find_all(tag, **{attr: True}):
                url = urlsplit(t[attr])
                if url.scheme or url.netloc or t[attr].startswith("mailto:"): continue
                target = (SITE / name).parent / unquote(url.path) if url.path else SITE / name
                target = target.resolve()
                checked += 1
                if not target.is_file(): broken.append(f"{name}: {t[attr]}"); continue
                if url.fragment and target.suffix == ".html":
                    key = target.relative_to(SITE.resolve()).as_posix()
                    if key not in ids: ids[key] = _ids(site[key])
                    if url.fragment not in ids[key]: broken.append(f"{name}: {t[attr]} (no such anchor)")
    assert checked > 100, checked
    assert not broken, broken[:20]


def test_no_network_assets(site):
    "Scripts, stylesheets, images and fonts all come from the site itself."
    remote = [f"{name}: {t.get('src') or t.get('href')}" for name, soup in site.items()
              for t in [*soup.find_all(["script", "img", "iframe"], src=True), *soup.find_all("link", href=True)]
              if urlsplit(t.get("src") or t.get("href")).netloc and not "canonical" in (t.get("rel") or [])]
    assert not remote, remote[:10]
    css = [p.relative_to(SITE).as_posix() for p in SITE.rglob("*.css") if re.search(r"url\(\s*['\"]?(https?:)?//",
                                                                                 p.read_text(errors="ignore"))]
    assert not css, css


def test_cross_references_are_local(site):
    "No link to nbdev's online pages or to the online source: those resolve to the site's own pages."
    from nbdev.config import get_config
    cfg = get_config(path=ROOT)
    online = [urlsplit(cfg.doc_host).netloc, urlsplit(cfg.git_url).netloc + urlsplit(cfg.git_url).path]
    links = [f"{name}: {a['href']}" for name, soup in site.items() for a in soup.find_all("a", href=True)
             if any(o in a["href"] for o in online)]
    assert not links, links[:10]
    xrefs = [a for stem in CHAPTERS for a in _page(site, stem).select("article a.reference.internal")]
    assert len(xrefs) > 100, len(xrefs)


_RAW = [(r"^\s*#\|", "an nbdev/Quarto directive"), (r"^\s*---\s*$\s*^\s*(title|description|output-file):", "front matter"),
        (r"\bIn \[\d*\]:", "a prompt"), (r"\{target=", "Quarto link attributes"), (r"show_doc\(", "a show_doc call"),
        (r"\$\$", "raw display math"), (r"AUTOGENERATED", "nbdev's warning"), (r"\{py:obj\}|\{eval-rst\}", "raw MyST")]


def test_no_raw_notebook_text(site):
    found = []
    for stem in ["index", *CHAPTERS]:
        body = _page(site, stem).select_one("article")
        assert body, f"{stem}: no article"
        text = body.get_text()  # inline code stays inside its line: prose may name a `#| slow` cell
        found += [f"{stem}: {what}" for pat, what in _RAW if re.search(pat, text, re.MULTILINE)]
    assert not found, found


def test_search_index_finds_the_solve_chapter(site):
    text = (SITE / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    docs = index["docnames"]
    assert set(docs) >= {"index", *CHAPTERS}, docs
    hits = {docs[i] for terms in (index["terms"], index["titleterms"]) for term, where in terms.items()
            if term.startswith("certif") for i in ([where] if isinstance(where, int) else where)}
    assert "08_solve" in hits, sorted(hits)


def test_math_is_marked_for_the_local_mathjax(site):
    with_math = [s for s in CHAPTERS if _has_math(s)]
    assert with_math
    for stem in with_math:
        soup = _page(site, stem)
        assert soup.select(".math"), f"{stem}: no math element"
        src = [s["src"] for s in soup.find_all("script", src=True) if "mathjax" in s["src"].lower()]
        assert src and (SITE / urlsplit(src[0]).path).is_file(), (stem, src)


def test_saved_plots_are_shown(site):
    with_plots = [s for s in CHAPTERS if _png_outputs(s)]
    assert with_plots
    for stem in with_plots:
        imgs = [i for i in _page(site, stem).select("article img") if i["src"].startswith("_images/")]
        assert len(imgs) >= _png_outputs(stem), (stem, len(imgs))


def test_api_reference_with_docments_and_local_source(site):
    objects = 0
    for stem in CHAPTERS:
        for dt in _page(site, stem).select("dl.py > dt.sig[id^='pipeline_nb.']"):
            objects += 1
            link = dt.select_one("a.viewcode-link, a[href*='_modules/']")
            assert link, f"{stem}: {dt['id']} has no source link"
    assert objects > 50, objects
    certify = _page(site, "08_solve").find(id="pipeline_nb.certificate.certify").find_parent("dl")
    assert "target_gap" in certify.select_one("dd").get_text(), "docments of certify missing"


# --- in a real browser ---

@contextlib.contextmanager
def _served(folder):
    "`folder` over HTTP on 127.0.0.1 (a free port), for the duration of the block."
    handler = functools.partial(QuietHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try: yield f"http://127.0.0.1:{server.server_address[1]}"
        finally: server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


def test_in_headless_chromium(site):
    "Home page, the sidebar to the solve chapter, a search for 'certificate', rendered math, plots; no network."
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium: pytest.skip("no chromium: `apt-get install chromium` (.ci/run does) for the browser test")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra: pip install -e .[dev]")
    ARTIFACTS.mkdir(exist_ok=True)
    math_page = next(s for s in CHAPTERS if _has_math(s))
    plot_page = max(CHAPTERS, key=_png_outputs)
    solve_title = _title("08_solve")
    remote = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            def _route(route):
                if route.request.url.startswith(("file:", "http://127.0.0.1:")): return route.continue_()
                remote.append(route.request.url); route.abort()
            ctx.route("**/*", _route)
            page = ctx.new_page()
            page.goto((SITE / "index.html").as_uri())
            assert page.title().startswith(_title("index"))
            page.screenshot(path=ARTIFACTS / "home.png", full_page=True)

            page.get_by_role("link", name=solve_title, exact=True).first.click()
            page.wait_for_load_state()
            assert page.url.endswith("/08_solve.html"), page.url
            assert page.locator("h1").first.inner_text().startswith(solve_title)
            page.screenshot(path=ARTIFACTS / "solve.png", full_page=True)

            page.fill("input[name=q]", "certificate")
            page.keyboard.press("Enter")
            page.wait_for_selector("#search-results li a", timeout=30_000)
            hits = page.locator("#search-results li a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
            assert any(h.split("#")[0] == "08_solve.html" for h in hits), hits
            page.screenshot(path=ARTIFACTS / "search-certificate.png", full_page=True)

            with _served(SITE) as base:  # from a local server the results also show excerpts of the pages
                page.goto(f"{base}/search.html?q=certificate")
                page.wait_for_selector("#search-results li p.context", timeout=30_000)
                solve_hit = page.locator("#search-results li", has=page.locator("a[href^='08_solve.html']")).first
                assert "certificate" in solve_hit.inner_text().lower()
                page.screenshot(path=ARTIFACTS / "search-certificate-served.png")

            page.goto((SITE / f"{math_page}.html").as_uri())
            page.wait_for_selector("mjx-container", timeout=30_000)
            page.wait_for_function("document.querySelectorAll('.math').length <= "
                                   "document.querySelectorAll('.math mjx-container').length", timeout=30_000)
            assert page.locator("mjx-merror").count() == 0, "MathJax reported an error"
            page.locator(".math").first.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / f"math-{math_page}.png")

            page.goto((SITE / f"{plot_page}.html").as_uri())
            sizes = page.locator("article img").evaluate_all("is => is.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(sizes) >= _png_outputs(plot_page) and all(sizes), sizes
            page.locator("article img").first.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / f"plots-{plot_page}.png")
        finally:
            browser.close()
    assert not remote, f"the site asked the network for {remote[:5]}"
