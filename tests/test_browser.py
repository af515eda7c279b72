"""The search page in a real browser (Debian's chromium through Playwright) against a real gunicorn server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .conftest import ROOT, SEED_000, SEED_003

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "artifacts" / "screenshots"
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(mixed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "NEWSEARCH_INDEX_DIR": str(mixed_index), "NEWSEARCH_PORT": str(port),
           "NEWSEARCH_WORKERS": "1"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: tools/test.sh installs Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield pg
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def total(page: Page) -> str:
    return page.locator("h1.total").inner_text()


def test_search_highlights_and_url_state(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.fill("#q", "ceasefire hamas")
    page.press("#q", "Enter")
    expect(page.locator("h1.total")).to_have_text("2 articles · 1 story for “ceasefire hamas”")
    assert re.search(r"[?&]q=ceasefire\+hamas", page.url)
    marks = page.locator(".hit mark").all_inner_texts()
    assert {m.lower() for m in marks} == {"ceasefire", "hamas"}
    shot(page, "search-results")


def test_toggle_two_sources_and_an_entity(page: Page, server: str) -> None:
    page.goto(server + "/?q=hamas")
    page.locator("#facet-source ~ ul a", has_text="TRT World").click()
    expect(page.locator("h1.total")).to_have_text("1 article · 1 story for “hamas”")
    page.locator("#facet-source ~ ul a", has_text="Anadolu Agency").click()
    expect(page.locator("h1.total")).to_have_text("2 articles · 1 story for “hamas”")
    assert page.locator("#facet-source ~ ul a[aria-current=true]").count() == 2
    page.locator("section[aria-labelledby=facet-people] a", has_text="Netanyahu").first.click()
    expect(page.locator("h1.total")).to_have_text("1 article · 1 story for “hamas”")
    assert "source=TRT+World" in page.url and "source=Anadolu+Agency" in page.url and "person=Netanyahu" in page.url
    chips = page.locator(".chips .chip").all_inner_texts()
    assert chips == ["TRT World ×", "Anadolu Agency ×", "Netanyahu ×"]
    shot(page, "facets-selected")
    page.locator(".chips .chip", has_text="Netanyahu").click()
    expect(page.locator("h1.total")).to_have_text("2 articles · 1 story for “hamas”")


def test_timeline_bar_narrows_the_dates(page: Page, server: str) -> None:
    page.goto(server + "/?q=said")
    before = int(total(page).split()[0].replace(",", ""))
    bars = page.locator("figure.timeline a.bar")
    assert bars.count() >= 2
    label = bars.first.locator("title").text_content() or ""
    count = int(label.rsplit(": ", 1)[1])
    bars.first.click()
    assert "from=" in page.url and "to=" in page.url
    after = int(total(page).split()[0].replace(",", ""))
    assert after == count and after < before
    shot(page, "timeline-narrowed")


def test_page_forward_and_back(page: Page, server: str) -> None:
    page.goto(server + "/?q=the&sort=oldest")
    first_titles = page.locator(".hit h2").all_inner_texts()
    page.click("a[rel=next]")
    assert "page=2" in page.url
    assert page.locator(".hit h2").all_inner_texts() != first_titles
    expect(page.locator(".pager span")).to_contain_text("Page 2 of")
    page.go_back()
    assert "page=2" not in page.url
    assert page.locator(".hit h2").all_inner_texts() == first_titles


def test_article_and_related(page: Page, server: str) -> None:
    page.goto(server + "/?q=%22security+council%22")
    page.locator(".hit h2 a").first.click()
    assert "/articles/" in page.url
    expect(page.locator("h2#related-heading")).to_be_visible()
    people = page.locator(".entities-block a.people").all_inner_texts()
    assert "Majed al-Ansari" in people
    shot(page, "article")
    current = page.url.rsplit("/", 1)[1].split("?")[0]  # article links carry the search, for "Back to results"
    page.locator(".related a").first.click()
    other = page.url.rsplit("/", 1)[1].split("?")[0]
    assert {current, other} == {SEED_000, SEED_003}


def test_query_with_a_syntax_problem_warns(page: Page, server: str) -> None:
    page.goto(server + "/?q=%22gaza+truce")
    expect(page.locator(".warning")).to_have_text(
        'Query problem: unbalanced quote: a phrase opened with " is never closed (at character 1). '
        "Searched for what could be read.")
    assert int(total(page).split()[0]) >= 1
    shot(page, "query-warning")


def test_no_results_has_a_helpful_empty_state(page: Page, server: str) -> None:
    page.goto(server + "/?q=zzyzx+qqqq")
    expect(page.locator(".empty h2")).to_have_text("No articles found")
    shot(page, "no-results")


def test_hostile_document_is_shown_as_text(page: Page, server: str) -> None:
    page.goto(server + "/?q=traders")
    hit = page.locator(".hit", has_text="quote' breaking")
    expect(hit.locator("h2")).to_have_text("<script>alert('title')</script> Markets \"quote' breaking")
    assert hit.locator(".source").inner_text() == "<script>alert('source')</script>"
    hit.locator("h2 a").click()
    expect(page.locator("h1")).to_contain_text("<script>alert('title')</script>")
    assert page.locator(".body script, .body img, .body a[href^=javascript]").count() == 0
    assert page.locator("a[href^=javascript]").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []  # type: ignore[attr-defined]
    shot(page, "hostile-article")


def test_works_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.fill("#q", "qatar hamas")
    page.press("#q", "Enter")
    expect(page.locator("h1.total")).to_have_text("2 articles · 1 story for “qatar hamas”")
    page.select_option("#sort", "oldest")
    page.click("form.sort button")
    assert "sort=oldest" in page.url
    page.fill("#people-prefix", "maj")
    page.press("#people-prefix", "Enter")
    first = page.locator("section[aria-labelledby=facet-people] li a").first.inner_text()
    assert " ".join(first.split()) == "☐ Majed al-Ansari 2"
    context.close()


def test_keyboard_and_phone_width(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(server + "/?q=gaza")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    assert page.locator("label[for=q]").count() == 1 and page.locator("h1").count() == 1
    shot(page, "phone")
    context.close()


def test_content_security_policy_blocks_inline_script(page: Page, server: str) -> None:
    response = page.goto(server + "/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("script:not([src])").count() == 0


# --- research views, the reader's article page, accessibility -----------------------------------

VIEWS = {
    "search": "/?q=oil",
    "search-share-range": "/?q=oil&interval=day&normalise=1&from=1987-03-01&to=1987-03-02",
    "search-compact": "/?q=oil&compact=1",
    "article": f"/articles/{SEED_000}?q=hamas",
    "compare": "/compare?q1=oil&q2=trade&to2=1987-12-31&q3=said&place3=Japan&normalise=1&interval=day",
    "compare-empty": "/compare",
    "topwords": "/topwords?q=oil",
    "cooccurrence": "/cooccurrence?q=said&entity=places:Japan",
    "help": "/help",
    "no-results": "/?q=zzyzx",
}
SIZES = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 375, "height": 800}}


def axe_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_view_has_no_axe_violations_and_a_screenshot(browser: Browser, server: str, size: str,
                                                           scheme: str) -> None:
    context = browser.new_context(viewport=SIZES[size], color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    problems = {}
    for name, url in VIEWS.items():
        response = page.goto(server + url)
        assert response is not None and response.status == 200, url
        for details in page.locator("details.data-table").all():  # the tables are checked open as well
            details.evaluate("d => d.open = true")
        found = axe_violations(page)
        if found:
            problems[name] = found
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"] + 1, url
        for details in page.locator("details.data-table").all():
            details.evaluate("d => d.open = false")
        shot(page, f"{name}-{size}" + ("-dark" if scheme == "dark" else ""))
    context.close()
    assert problems == {}


def test_timeline_share_undated_bar_table_and_marked_range(page: Page, server: str) -> None:
    page.goto(server + "/?q=said&interval=month&normalise=1&from=1987-03-01&to=1987-03-31")
    figure = page.locator("figure.timeline")
    expect(figure.locator("figcaption")).to_contain_text("Share of all articles in each month")
    assert figure.locator("a.bar.selected").count() == 1
    assert figure.locator("rect.band").count() == 1
    label = figure.locator("a.bar.selected title").text_content() or ""
    assert label.startswith("1987-03-01 to 1987-03-31: ") and "%" in label
    table = figure.locator("details.data-table")
    assert table.evaluate("d => d.open") is False
    table.locator("summary").click()
    first = table.locator("tbody tr").first.locator("td").all_inner_texts()
    data = page.request.get(server + "/api/attention?q=said&interval=month").json()
    v = data["values"][0]
    assert first[:3] == [f"{v['value']} to {v['end']}", f"{v['count']:,}", f"{v['total']:,}"]


def test_dragging_across_bars_selects_a_range(page: Page, server: str) -> None:
    page.goto(server + "/?q=oil&interval=day")
    bars = page.locator("figure.timeline a.bar")
    assert bars.count() >= 3
    first, third = bars.nth(0), bars.nth(2)
    start, end = first.get_attribute("data-start"), third.get_attribute("data-end")
    a, b = first.locator("rect.hitarea").bounding_box(), third.locator("rect.hitarea").bounding_box()
    assert a and b
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] - 1)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] - 1, steps=5)
    with page.expect_navigation():
        page.mouse.up()
    assert f"from={start}" in page.url and f"to={end}" in page.url
    expect(page.locator("figure.timeline a.bar.selected")).to_have_count(3)


def test_slash_focuses_the_search_box(page: Page, server: str) -> None:
    page.goto(server + "/?q=oil")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.input_value("#q") == "oil"


def test_results_page_is_light_two_snippets_compact_mode(page: Page, server: str) -> None:
    page.goto(server + "/?q=said")
    counts = page.locator(".hit").evaluate_all("hits => hits.map(h => h.querySelectorAll('.snippet').length)")
    assert counts and max(counts) <= 2
    page.click("a.compact-toggle")
    assert "compact=1" in page.url
    assert page.locator(".hit .snippet").count() == 0 and page.locator(".hit").count() == 10
    page.locator("form.sort select").select_option("oldest")
    page.wait_for_url("**sort=oldest**")
    assert "compact=1" in page.url


def test_phone_width_filters_fold_above_the_results(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    page.goto(server + "/?q=said")
    filters = page.locator("details#filters")
    assert filters.evaluate("d => d.open") is False
    summary = filters.locator("summary").first.bounding_box()
    first_hit = page.locator(".hit").first.bounding_box()
    assert summary and first_hit and summary["y"] < first_hit["y"]
    assert first_hit["y"] < 800 * 1.5  # the results are not pushed down by the filters
    filters.locator("summary").first.click()
    expect(page.locator("#facet-source")).to_be_visible()
    context.close()


def test_heading_shows_a_phrase_as_typed(page: Page, server: str) -> None:
    page.goto(server + "/?q=%22security+council%22")
    assert total(page).endswith(' for "security council"')


def test_article_keeps_the_reader(page: Page, server: str) -> None:
    page.goto(server + "/?q=oil+prices&sort=oldest&page=2")
    page.locator(".hit h2 a").first.click()
    assert "/articles/" in page.url and "q=oil+prices" in page.url
    marks = {m.lower() for m in page.locator(".article .body mark").all_inner_texts()}
    assert marks & {"oil", "prices", "price"}
    assert page.locator(".article .body p").count() >= 2
    assert "by By" not in page.locator(".article > p.meta").inner_text()
    page.click("a.back")
    assert page.url.endswith("/?q=oil+prices&sort=oldest&page=2")
    expect(page.locator(".pager span")).to_contain_text("Page 2 of")


def test_compare_page_draws_lines_a_table_and_a_permalink(page: Page, server: str) -> None:
    page.goto(server + "/compare")
    page.fill("#q1", "oil")
    page.fill("#q2", "trade")
    page.click("form.compare-form button")
    assert "q1=oil" in page.url and "q2=trade" in page.url
    expect(page.locator(".compare-chart polyline")).to_have_count(2)
    rows = page.locator("table.totals tbody tr")
    expect(rows).to_have_count(2)
    data = page.request.get(server + "/api/compare?q1=oil&q2=trade").json()
    assert rows.nth(0).locator("td").first.inner_text() == f"{data['series'][0]['matches']:,}"
    permalink = page.locator(".export a", has_text="this comparison").get_attribute("href") or ""
    page.goto(server + permalink)
    expect(page.locator(".compare-chart polyline")).to_have_count(2)
    csv_link = page.locator(".export a", has_text="CSV").get_attribute("href") or ""
    assert page.request.get(server + csv_link).text().startswith("period,end,all_articles,q1_count")
    assert page.input_value("#q3") == ""  # a row free for one more query


def test_topwords_click_adds_to_the_query(page: Page, server: str) -> None:
    page.goto(server + "/?q=oil")
    page.click("text=Top words")
    assert "/topwords" in page.url
    term = page.locator("a.term").first
    word = term.inner_text()
    term.click()
    expected = f'oil "{word}"' if " " in word else f"oil {word}"
    assert page.input_value("#q") == expected
    assert int(total(page).split()[0].replace(",", "")) >= 2


def test_cooccurrence_lists_page_and_lead_with_the_chosen_name(page: Page, server: str) -> None:
    page.goto(server + "/?q=said")
    page.click("text=Co-occurring names")
    places = page.locator("section[aria-labelledby=co-places] tbody tr")
    first = places.first.locator("td a").first.inner_text()
    places.first.locator("td a").first.click()
    assert "entity=places%3A" in page.url
    expect(page.locator(".note strong")).to_have_text(first)
    assert first not in page.locator("section[aria-labelledby=co-places] tbody").inner_text().split("\n")
    together = page.locator("section[aria-labelledby=co-people] tbody tr td:nth-child(3)").all_inner_texts()
    numbers = [int(t.replace(",", "")) for t in together]
    assert numbers == sorted(numbers, reverse=True)
