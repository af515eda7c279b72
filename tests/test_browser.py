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
    expect(page.locator("h1.total")).to_have_text("2 articles for “ceasefire hamas”")
    assert re.search(r"[?&]q=ceasefire\+hamas", page.url)
    marks = page.locator(".hit mark").all_inner_texts()
    assert {m.lower() for m in marks} == {"ceasefire", "hamas"}
    shot(page, "search-results")


def test_toggle_two_sources_and_an_entity(page: Page, server: str) -> None:
    page.goto(server + "/?q=hamas")
    page.locator("#facet-source ~ ul a", has_text="TRT World").click()
    expect(page.locator("h1.total")).to_have_text("1 article for “hamas”")
    page.locator("#facet-source ~ ul a", has_text="Anadolu Agency").click()
    expect(page.locator("h1.total")).to_have_text("2 articles for “hamas”")
    assert page.locator("#facet-source ~ ul a[aria-pressed=true]").count() == 2
    page.locator("section[aria-labelledby=facet-people] a", has_text="Netanyahu").first.click()
    expect(page.locator("h1.total")).to_have_text("1 article for “hamas”")
    assert "source=TRT+World" in page.url and "source=Anadolu+Agency" in page.url and "person=Netanyahu" in page.url
    chips = page.locator(".chips .chip").all_inner_texts()
    assert chips == ["TRT World ×", "Anadolu Agency ×", "Netanyahu ×"]
    shot(page, "facets-selected")
    page.locator(".chips .chip", has_text="Netanyahu").click()
    expect(page.locator("h1.total")).to_have_text("2 articles for “hamas”")


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
    current = page.url.rsplit("/", 1)[1]
    page.locator(".related a").first.click()
    other = page.url.rsplit("/", 1)[1]
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
    expect(page.locator("h1.total")).to_have_text("2 articles for “qatar hamas”")
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
