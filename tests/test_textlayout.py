"""Plain-text layouts as news really arrives: each layout's header becomes metadata, never body text."""

from __future__ import annotations

import gzip
import itertools
import json
import lzma
from datetime import UTC, datetime

import pytest

from newsearch.dates import parse_date
from newsearch.documents import Document, Raw, parse_raw, with_entities
from newsearch.entities import default_extractor
from newsearch.textlayout import markdown_to_text, read_byline, read_dateline

from .conftest import corpus


def doc_of(text: str, fmt: str = "text") -> Document:
    return parse_raw(Raw("x.txt", fmt, text.encode("utf-8"), "x"))


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


REUTERS_RAW = (  # as the raw files have it: trailing spaces, three blank lines, indented paragraphs
    "-- Exxon Mobil offers plan to end Alaska dispute\n"
    "-- By  Yereth Rosen\n"
    "-- Fri Oct 20, 2006 6:15pm EDT\n"
    "-- http://www.reuters.com/article/2006/10/20/businesspro-energy-exxonmobil-alaska-dc-idUSN2021166720061020\n"
    "\n"
    "\n"
    "\n"
    "ANCHORAGE, Alaska  (Reuters) - Exxon Mobil ( XOM.N ) offered \n"
    "to pay a $20 million fine and relinquish some leases to the \n"
    "state of Alaska, according to a letter made public on Friday. \n"
    "\n"
    "  In a proposal sent earlier this week to the Alaska \n"
    "Department of Natural Resources, Exxon Mobil offered to pay the \n"
    "fine. \n"
)

LAYOUTS = {
    "raw Reuters '-- ' layout": (
        REUTERS_RAW,
        dict(title="Exxon Mobil offers plan to end Alaska dispute", published=at(2006, 10, 20, 22, 15),
             author="Yereth Rosen", source="Reuters", dateline="ANCHORAGE, Alaska (Reuters) -",
             url="http://www.reuters.com/article/2006/10/20/businesspro-energy-exxonmobil-alaska-dc-idUSN2021166720061020",
             body="Exxon Mobil ( XOM.N ) offered to pay a $20 million fine and relinquish some leases to the state of "
                  "Alaska, according to a letter made public on Friday.\n\nIn a proposal sent earlier this week to the "
                  "Alaska Department of Natural Resources, Exxon Mobil offered to pay the fine.")),
    "raw Reuters, no byline, several authors elsewhere": (
        "-- Oil falls as warm weather blankets U.S.\n-- \n-- Mon Jan 8, 2007 3:05pm EST\n"
        "-- http://www.reuters.com/article/idUSN0830000020070108\n\n\n\n"
        "NEW YORK  (Reuters) - Oil fell nearly a dollar on Monday.\n",
        dict(title="Oil falls as warm weather blankets U.S.", published=at(2007, 1, 8, 20, 5), author="",
             source="Reuters", dateline="NEW YORK (Reuters) -", body="Oil fell nearly a dollar on Monday.")),
    "raw Reuters, date line first, three authors and a story label": (
        "-- Tue Feb 7, 2012 8:20am EST\n-- Greece races to seal bailout deal\n"
        "-- By Lefteris Papadimas, Harry Papachristou and Ingrid Melander - Analysis\n\n"
        "ATHENS, Feb 7 (Reuters) - Greek leaders raced on Tuesday to agree reforms.\n",
        dict(title="Greece races to seal bailout deal", published=at(2012, 2, 7, 13, 20),
             author="Lefteris Papadimas, Harry Papachristou, Ingrid Melander", source="Reuters",
             dateline="ATHENS, Feb 7 (Reuters) -", body="Greek leaders raced on Tuesday to agree reforms.")),
    "Bloomberg-style ISO date and two authors": (
        "-- Tesla Shares Jump After Musk Says Fires Won't Lead to Recall\n-- By Dana Hull and Alan Ohnsman\n"
        "-- 2013-11-20T17:44:17Z\n-- http://www.bloomberg.com/news/2013-11-20/tesla.html\n\n"
        "Tesla Motors Inc. rose the most in two weeks.\n",
        dict(title="Tesla Shares Jump After Musk Says Fires Won't Lead to Recall",
             published=at(2013, 11, 20, 17, 44, 17),
             author="Dana Hull, Alan Ohnsman", url="http://www.bloomberg.com/news/2013-11-20/tesla.html",
             body="Tesla Motors Inc. rose the most in two weeks.")),
    "AP wire copy: capitals byline, outlet line, a.m. time": (
        "Senate passes budget bill hours after deadline\nBy LISA MASCARO and KEVIN FREKING\nAssociated Press\n"
        "March 23, 2024 at 2:15 a.m. EDT\n\n"
        "WASHINGTON (AP) — The Senate passed a $1.2 trillion package early Saturday.\n\n"
        "The vote was 74-24.\n",
        dict(title="Senate passes budget bill hours after deadline", published=at(2024, 3, 23, 6, 15),
             author="Lisa Mascaro, Kevin Freking", source="Associated Press", dateline="WASHINGTON (AP) —",
             body="The Senate passed a $1.2 trillion package early Saturday.\n\nThe vote was 74-24.")),
    "newspaper: byline with role, British time, update line": (
        "Rishi Sunak calls general election for 4 July\n\nBy Peter Walker, Political correspondent\n"
        "Wed 22 May 2024 16.45 BST\nLast modified on Thu 23 May 2024 09.10 BST\n\n"
        "The prime minister has announced a general election.\n",
        dict(title="Rishi Sunak calls general election for 4 July", published=at(2024, 5, 22, 15, 45),
             author="Peter Walker", body="The prime minister has announced a general election.")),
    "newspaper: Published and Updated with zones": (
        "Markets slide as rate fears return\nPublished: 26 March 2024 14:05 GMT\n"
        "Updated 3:45 PM ET, Mon March 25, 2024\n\nStocks fell on Tuesday.\n",
        dict(title="Markets slide as rate fears return", published=at(2024, 3, 26, 14, 5), author="",
             body="Stocks fell on Tuesday.")),
    "only an update line": (
        "Markets slide\nUpdated 3:45 PM ET, Mon March 25, 2024\n\nStocks fell.\n",
        dict(title="Markets slide", published=at(2024, 3, 25, 19, 45), body="Stocks fell.")),
    "press release: marker, wire dateline with a full date, end mark": (
        "FOR IMMEDIATE RELEASE\n\nAcme Corp Reports Record Third-Quarter Revenue\n\n"
        "SPRINGFIELD, Ill., Oct. 24, 2023 /PRNewswire/ -- Acme Corp (NYSE: ACME) today announced record revenue.\n\n"
        "About Acme: Acme makes anvils.\n\n###\n",
        dict(title="Acme Corp Reports Record Third-Quarter Revenue", published=at(2023, 10, 24), author="",
             source="PR Newswire", dateline="SPRINGFIELD, Ill., Oct. 24, 2023 /PRNewswire/ --",
             body="Acme Corp (NYSE: ACME) today announced record revenue.\n\nAbout Acme: Acme makes anvils.")),
    "press release: embargo and contact fields": (
        "EMBARGOED UNTIL 00:01 GMT, 26 MARCH 2024\nContact: press@example.org\n"
        "Title: Charity warns of famine risk in Gaza\nDate: 26 March 2024\nSource: Oxfam\n\n"
        "Oxfam said on Tuesday that famine was imminent.\n",
        dict(title="Charity warns of famine risk in Gaza", published=at(2024, 3, 26), source="Oxfam",
             body="Oxfam said on Tuesday that famine was imminent.")),
    "transcript: show, aired, speakers stay in the body": (
        "TRANSCRIPT\nShow: Morning Edition\nAired: March 26, 2024 - 06:00 ET\nHost: Steve Inskeep\n\n"
        "STEVE INSKEEP, HOST: Good morning.\n\nINSKEEP: We begin in Gaza.\n",
        dict(title="Morning Edition", published=at(2024, 3, 26, 10, 0), author="",
             body="STEVE INSKEEP, HOST: Good morning.\n\nINSKEEP: We begin in Gaza.", dateline="")),
    "blog export: date and author on one line, tags, URL field": (
        "# Why rates matter\nPosted on March 5, 2024 by Jane Blogger\nTags: economy, rates\n"
        "URL: https://blog.example.com/2024/03/05/why-rates-matter\n\nRates matter because money has a price.\n",
        dict(title="Why rates matter", published=at(2024, 3, 5), author="Jane Blogger",
             url="https://blog.example.com/2024/03/05/why-rates-matter",
             body="Rates matter because money has a price.")),
    "Markdown-style decoration around every header line": (
        "**Ceasefire talks resume in Doha**\n* By Majed Khalil, Reuters\n> Published: 2024-03-26T08:00:00+03:00\n"
        "<https://example.com/doha>\n\nTalks resumed on Tuesday.\n",
        dict(title="Ceasefire talks resume in Doha", published=at(2024, 3, 26, 5, 0), author="Majed Khalil",
             url="https://example.com/doha", source="Reuters", body="Talks resumed on Tuesday.")),
    "byline and date on one line": (
        "Fed holds rates\nBy Ann Saphir | March 20, 2024 2:00 PM EDT\n\nThe Fed held rates steady.\n",
        dict(title="Fed holds rates", published=at(2024, 3, 20, 18, 0), author="Ann Saphir",
             body="The Fed held rates steady.")),
    "written by, in a city": (
        "Floods hit Valencia\nWritten by Ana García in Valencia\n30 October 2024\n\nRain fell all night.\n",
        dict(title="Floods hit Valencia", published=at(2024, 10, 30), author="Ana García",
             body="Rain fell all night.")),
    "Reuters-21578 style: capitals headline, indented paragraphs, Reuter sign-off": (
        "BAHIA COCOA REVIEW\nSALVADOR, Feb 26 - Showers continued throughout the week in\n"
        "the Bahia cocoa zone.\n    The dry period means the temporao will be late this year.\n Reuter\n",
        dict(title="BAHIA COCOA REVIEW", published=None, dateline="SALVADOR, Feb 26 -",
             body="Showers continued throughout the week in the Bahia cocoa zone.\n\n"
                  "The dry period means the temporao will be late this year.")),
    "Indian press dateline with a colon": (
        "Monsoon arrives early in Kerala\nNEW DELHI, May 30 (PTI): The monsoon reached Kerala on Thursday.\n",
        dict(title="Monsoon arrives early in Kerala", source="Press Trust of India",
             dateline="NEW DELHI, May 30 (PTI):", body="The monsoon reached Kerala on Thursday.")),
    "title-case headline with a media word, then an outlet line": (
        "Apple Unveils New TV Service\nBy Jane Doe\nGulf News\n26 March 2024\n\nApple unveiled a service.\n",
        dict(title="Apple Unveils New TV Service", author="Jane Doe", source="Gulf News", published=at(2024, 3, 26),
             body="Apple unveiled a service.")),
    "no header at all": (
        "Prices rose on Monday as traders returned.\n\nMore followed.\n",
        dict(title="Prices rose on Monday as traders returned", published=None, author="",
             body="Prices rose on Monday as traders returned.\n\nMore followed.")),
    "hard-wrapped first paragraph is not a headline": (
        "Prices rose on Monday as traders returned from the long\nweekend, dealers said.\n",
        dict(title="Prices rose on Monday as traders returned from the long weekend, dealers said",
             body="Prices rose on Monday as traders returned from the long weekend, dealers said.")),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layouts(name: str) -> None:
    text, expected = LAYOUTS[name]
    doc = doc_of(text)
    assert {k: getattr(doc, k) for k in expected} == expected


def test_header_lines_never_reach_the_body_or_the_entities() -> None:
    doc = with_entities(doc_of(LAYOUTS["raw Reuters, date line first, three authors and a story label"][0]),
                        default_extractor())
    assert "Papadimas" not in doc.body and "Feb" not in doc.body and "ATHENS" not in doc.body
    names = set(doc.people) | set(doc.organizations) | set(doc.places)
    assert not any(n in names for n in ("Lefteris Papadimas", "Harry Papachristou", "Ingrid Melander", "Tue Feb",
                                        "Fri Jan", "Athens", "ATHENS"))


def test_paragraph_breaks_are_kept_in_the_body() -> None:
    doc = doc_of("Headline here\n\nFirst paragraph, wrapped\nonto two lines.\n\n\n\nSecond paragraph.\n")
    assert doc.body == "First paragraph, wrapped onto two lines.\n\nSecond paragraph."


@pytest.mark.parametrize("line,expected", [
    ("By Jane Doe", (["Jane Doe"], "")),
    ("BY JANE DOE", (["Jane Doe"], "")),
    ("By Jane Doe and John Roe", (["Jane Doe", "John Roe"], "")),
    ("By Jane Doe, Reuters", (["Jane Doe"], "Reuters")),
    ("By Jane Doe, John Roe & Ann Lee", (["Jane Doe", "John Roe", "Ann Lee"], "")),
    ("By Alberto Alerigi Jr.", (["Alberto Alerigi Jr."], "")),
    ("By Pedro Nicolaci da Costa", (["Pedro Nicolaci da Costa"], "")),
    ("By Matt Daily", (["Matt Daily"], "")),
    ("By Bill Berkrot and Ransdell Pierson -Analysis", (["Bill Berkrot", "Ransdell Pierson"], "")),
    ("By Erik dela Cruz and Tim Hepher", (["Erik dela Cruz", "Tim Hepher"], "")),
    ("By Jean-Pierre Dupont", (["Jean-Pierre Dupont"], "")),
    ("By Chang-Ran Kim , Asia auto correspondent", (["Chang-Ran Kim"], "")),
    ("By Reuters Staff", ([], "Reuters")),
    ("Written by Ann Lee for The Guardian", (["Ann Lee"], "The Guardian")),
    ("By the end of the year, prices rose", None),
    ("By Friday", None),
    ("By 2030 emissions must halve", None),
    ("Jane Doe", None),
])
def test_bylines(line: str, expected: tuple[list[str], str] | None) -> None:
    assert read_byline(line) == expected


@pytest.mark.parametrize("paragraph,expected", [
    ("GENEVA (Reuters) - Talks", ("GENEVA (Reuters) -", "Reuters", "")),
    ("LONDON, March 26 (Reuters) - Talks", ("LONDON, March 26 (Reuters) -", "Reuters", ", March 26")),
    ("SAN FRANCISCO/NEW YORK  (Reuters) - Talks", ("SAN FRANCISCO/NEW YORK  (Reuters) -", "Reuters", "")),
    ("Geneva (AFP) -- Talks", ("Geneva (AFP) --", "AFP", "")),
    ("WASHINGTON — The Senate", ("WASHINGTON —", "", "")),
    ("(Reuters) - Talks", ("(Reuters) -", "Reuters", "")),
    ("Oil prices - a primer", None),
    ("INSKEEP: Good morning", None),
    ("US - China talks", None),
    ("The talks - said", None),
])
def test_datelines(paragraph: str, expected: tuple[str, str, str] | None) -> None:
    assert read_dateline(paragraph) == expected


def test_markdown_to_text_keeps_words_and_drops_markup() -> None:
    source = "# Title #\n\n**Bold** and *it* and `code` and [a link](http://x) and ![img](y.png) <b>x</b>\n\n1. item"
    assert markdown_to_text(source) == "Title\n\nBold and it and code and a link and  x\n\nitem"


def raw_reuters_layout(record: dict) -> str:
    """A corpus record written back in the layout of the raw Reuters files: four '-- ' lines (an empty
    byline stays as '-- '), a blank, a line of one space, a blank, then the body indented by one space."""
    byline = f"By {record['author']}" if record["author"] else ""
    return (f"-- {record['title']}\n-- {byline}\n-- {record['date_raw']}\n-- {record['url']}\n\n \n\n "
            f"{record['body']}\n")


def test_corpus_raw_reuters_layout_title_date_author_url_right_on_every_file() -> None:
    """500 real Reuters articles in their raw text layout: the header is read right on every file."""
    with lzma.open(corpus("reuters_financial_2006_2013.jsonl.xz"), "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in itertools.islice(f, 500)]
    wrong = []
    for record in records:
        doc = doc_of(raw_reuters_layout(record))
        names = {n.split(" - ")[0].strip() for n in record["author"].replace(" and ", ",").split(",")}
        names = {n for n in names if n and not n.lower().endswith(("correspondent", "editor"))}
        got = (doc.title, doc.published, set(doc.author.split(", ")) - {""}, doc.url)
        if got != (" ".join(record["title"].split()), parse_date(record["date"]), names, record["url"]):
            wrong.append((record["id"], got))
        assert record["date_raw"] not in doc.body and record["url"] not in doc.body
    assert wrong == []


def test_corpus_bbc_raw_layout_title_right_and_no_date_or_author_invented_on_every_file() -> None:
    """The 2,225 BBC articles as their raw files have them (title line, blank line, body)."""
    with gzip.open(corpus("bbc.jsonl.gz"), "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    wrong = []
    for record in records:
        doc = doc_of(f"{record['title']}\n\n{record['body']}\n")
        if (doc.title, doc.published, doc.author) != (" ".join(record["title"].split()), None, ""):
            wrong.append((record["id"], doc.title, doc.published, doc.author))
    assert len(records) == 2225 and wrong == []
