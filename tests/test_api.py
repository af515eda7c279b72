from __future__ import annotations

import csv
import io
import json

import pytest
from jsonschema import Draft4Validator
from openapi_spec_validator import validate as validate_spec

from newsearch.web.openapi import openapi_document

from .conftest import SEED_000, SEED_003


def schema_for(name: str) -> dict:
    doc = openapi_document()
    return {**doc["components"]["schemas"][name], "components": doc["components"]}


def assert_matches(body: dict, name: str) -> None:
    schema = json.loads(json.dumps(schema_for(name)).replace('"nullable": true', '"nullable_": true'))
    _nullable(schema)
    errors = sorted(Draft4Validator(schema).iter_errors(body), key=str)
    assert errors == [], errors[0].message if errors else ""


def _nullable(node) -> None:
    if isinstance(node, dict):
        if node.pop("nullable_", False):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable(value)
    elif isinstance(node, list):
        for value in node:
            _nullable(value)


def assert_error(response, status: int, errors: list[str]) -> None:
    assert response.status_code == status
    body = response.get_json()
    assert_matches(body, "Error")
    assert (body["ok"], body["status"], body["errors"]) == (False, status, errors)


def test_openapi_document_is_valid(client) -> None:
    body = client.get("/api/openapi.json").get_json()
    validate_spec(body)
    assert set(body["paths"]) == {"/api/search", "/api/search.csv", "/api/search.jsonl", "/api/articles/{id}",
                                  "/api/facets/{name}", "/api/facets/{name}/{value}", "/api/stats", "/api/health",
                                  "/api/openapi.json", "/api/attention", "/api/compare", "/api/compare.csv",
                                  "/api/topwords", "/api/cooccurrence", "/api/cooccurrence.csv"}
    ids = [op["operationId"] for path in body["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids)) == len(body["paths"])


def test_search_response(client) -> None:
    body = client.get("/api/search?q=ongoing+talks&source=TRT+World&per_page=5").get_json()
    assert_matches(body, "Search")
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (1, 1, 5, 1)
    [hit] = body["results"]
    assert (hit["id"], hit["source"], hit["published"]) == (SEED_000, "TRT World", "2024-03-26T00:00:00Z")
    assert body["query"] == {"q": "ongoing talks", "sort": "relevance", "count": "articles", "collapse": "copies",
                             "from": None, "to": None,
                             "source": ["TRT World"], "person": [], "organization": [], "place": [],
                             "language": [], "dated_from": []}
    assert {v["value"]: v["count"] for v in body["facets"]["source"]["values"]} == {"TRT World": 1,
                                                                                     "Anadolu Agency": 1}
    assert body["facets"]["date"] == {"interval": "day", "undated": 0,
                                      "values": [{"value": "2024-03-26", "end": "2024-03-26", "count": 1}]}


@pytest.mark.parametrize("url,errors", [
    ("/api/search?q=%22gaza", ['query: unbalanced quote: a phrase opened with " is never closed (at character 1)']),
    ("/api/search?page=abc&per_page=500", ["page must be a whole number written with the digits 0-9, not 'abc'",
                                           "per_page must be between 1 and 100, not 500"]),
    ("/api/search?from=2024-13-01", ["from must be a date as YYYY-MM-DD, not '2024-13-01'"]),
    ("/api/search?colour=red", ["unknown parameter 'colour'; known: q, page, per_page, sort, from, to, count, "
                                "collapse, source, person, organization, place, language, dated_from"]),
    ("/api/search?count=words&collapse=all", ["count must be one of articles, copies, stories, not 'words'",
                                              "collapse must be one of copies, stories, none, not 'all'"]),
    ("/api/search?sort=best", ["sort must be one of relevance, newest, oldest, not 'best'"]),
])
def test_bad_requests_get_400_with_every_problem(client, url: str, errors: list[str]) -> None:
    assert_error(client.get(url), 400, errors)


def test_404_and_405_have_the_same_shape(client) -> None:
    response = client.get("/api/articles/nope")
    assert_error(response, 404, ["no article with id 'nope'"])
    assert client.get("/api/nothing-here").get_json()["status"] == 404
    response = client.post("/api/search")
    assert response.status_code == 405 and response.get_json()["ok"] is False


def test_article_with_entities_and_related(client) -> None:
    body = client.get(f"/api/articles/{SEED_003}").get_json()
    assert_matches(body, "Article")
    assert (body["source"], body["source_from"], body["date_from"]) == ("Anadolu Agency", "attribution", "text")
    assert "Majed al-Ansari" in body["people"]
    assert [r["id"] for r in body["related"]][:1] == [SEED_000]


def test_facet_value_search(client) -> None:
    body = client.get("/api/facets/organizations?prefix=secur&q=hamas").get_json()
    assert_matches(body, "FacetValues")
    assert [(v["value"], v["count"]) for v in body["values"]] == [("UN Security Council", 2)]
    assert_error(client.get("/api/facets/colours"), 404, ["no facet 'colours'; facets are source, people, "
                                                          "organizations, places, language, dated_from"])


def test_stats_and_health(client) -> None:
    stats = client.get("/api/stats").get_json()
    assert_matches(stats, "Stats")
    assert (stats["articles"], stats["first_day"], stats["extractor"], stats["whoosh"]) == (
        2, "2024-03-26", "newsearch-crf 1", "3.54.0")
    health = client.get("/api/health").get_json()
    assert_matches(health, "Health")
    assert (health["index"], health["articles"]) == ("readable", 2)


def test_exports_stream_every_match(client) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/api/search.csv?q=hamas&sort=oldest").get_data(as_text=True))))
    assert sorted(r["id"] for r in rows) == [SEED_000, SEED_003]
    lines = client.get("/api/search.jsonl?q=netanyahu").get_data(as_text=True).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [SEED_000]
    assert json.loads(lines[0])["people"] == ["Majed al-Ansari", "Netanyahu"]


def test_hostile_document_is_inert_in_json_and_csv(mixed_client) -> None:
    body = mixed_client.get("/api/search?q=traders+prices").get_json()
    hit = next(h for h in body["results"] if h["id"] == "hostile-1")
    assert "<script>" not in hit["title_html"] and "&lt;script&gt;" in hit["title_html"]
    assert all("<img" not in s for s in hit["snippets"])
    text = mixed_client.get("/api/search.csv?q=hyperlink").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["source"] == "<script>alert('source')</script>"  # text, shown as text by any reader
    assert row["url"] == "javascript:alert('url')"
    rows = list(csv.reader(io.StringIO(mixed_client.get("/api/search.csv?q=hyperlink").get_data(as_text=True))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_security_headers_on_every_response(client) -> None:
    for url in ("/", "/api/search", "/api/nope", f"/articles/{SEED_000}"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_request_body_is_bounded(client) -> None:
    response = client.get("/api/search", data="x" * 20_000)
    assert_error(response, 413, ["Request Entity Too Large: request body is 20,000 bytes; the limit is 16,384"])


def test_settings_are_documented_in_the_readme() -> None:
    from pathlib import Path

    from newsearch.config import SETTINGS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert [s.name for s in SETTINGS if s.name not in readme] == []


# --- the research endpoints -------------------------------------------------------------------


def test_attention_response(client) -> None:
    body = client.get("/api/attention?q=hamas&interval=month&normalise=true&from=2024-03-01&to=2024-03-31").get_json()
    assert_matches(body, "Attention")
    assert (body["interval"], body["normalise"], body["matches"]) == ("month", True, 2)
    assert body["values"] == [{"value": "2024-03-01", "end": "2024-03-31", "count": 2, "total": 2, "share": 1.0,
                               "selected": True}]
    assert body["undated"] == {"count": 0, "total": 0, "share": 0.0}
    assert body["query"]["from"] == "2024-03-01"


def test_compare_response_and_csv(client) -> None:
    body = client.get("/api/compare?q1=hamas&q2=netanyahu&q3=hamas&source3=TRT+World").get_json()
    assert_matches(body, "Comparison")
    assert [(s["number"], s["label"], s["matches"], s["counts"]) for s in body["series"]] == [
        (1, "hamas", 2, [2]), (2, "netanyahu", 1, [1]), (3, "hamas · TRT World", 1, [1])]
    assert body["periods"] == [{"value": "2024-03-26", "end": "2024-03-26", "total": 2}]
    assert body["series"][1]["top"]["people"] == [{"value": "Majed al-Ansari", "count": 1},
                                                  {"value": "Netanyahu", "count": 1}]
    response = client.get("/api/compare.csv?q1=hamas&q2=netanyahu")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["period", "end", "all_articles", "q1_count", "q1_share", "q2_count", "q2_share"],
        ["2024-03-26", "2024-03-26", "2", "2", "1.0", "1", "0.5"],
        ["undated", "", "0", "0", "", "0", ""], ["total", "", "", "2", "", "1", ""]]


def test_topwords_response(mixed_client) -> None:
    body = mixed_client.get("/api/topwords?q=oil&size=10").get_json()
    assert_matches(body, "TopWords")
    assert body["matches"] == body["sampled"] > 0
    assert 0 < len(body["words"]) <= 10
    assert all(w["count"] <= w["corpus"] and w["score"] > 0 for w in body["words"] + body["phrases"])
    assert "oil" not in [w["term"] for w in body["words"]]


def test_cooccurrence_response_and_csv(client) -> None:
    body = client.get("/api/cooccurrence?q=hamas&entity=person:Netanyahu&facet=people&per_page=5").get_json()
    assert_matches(body, "Cooccurrence")
    assert body["entity"] == {"facet": "people", "value": "Netanyahu", "articles": 1}
    assert body["facets"] == {"people": {"values": [{"value": "Majed al-Ansari", "count": 2, "together": 1}],
                                         "total": 1, "truncated": False}}
    response = client.get("/api/cooccurrence.csv?q=netanyahu&facet=people")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data(as_text=True).splitlines() == ["facet,value,count,together",
                                                            "people,Majed al-Ansari,1,0", "people,Netanyahu,1,0"]


@pytest.mark.parametrize("url,errors", [
    ("/api/attention?q=hamas&interval=hour", ["interval must be auto, day, week, month, year, not 'hour'"]),
    ("/api/attention?q=hamas&normalise=maybe", ["normalise must be true or false, not 'maybe'"]),
    ("/api/attention?q=hamas&page=2", ["unknown parameter 'page'; known: q, from, to, source, person, organization, "
                                       "place, language, dated_from, interval, normalise"]),
    ("/api/compare", ["compare needs at least one query: q1=... (up to q5)"]),
    ("/api/compare?q6=oil", ["unknown parameter 'q6'; compare takes q1..q5 with their own filters (q1, from1, to1, "
                             "source1, person1, organization1, place1, language1, dated_from1), interval and "
                             "normalise"]),
    ("/api/compare?q1=oil&from2=2024-13-01&q2=gas", ["query 2: from must be a date as YYYY-MM-DD, not '2024-13-01'"]),
    ("/api/topwords?q=oil&size=500", ["size must be between 1 and 100, not 500"]),
    ("/api/cooccurrence?entity=colour:red", ["entity must be facet:value with facet one of people, organizations, "
                                             "places, not 'colour:red'"]),
    ("/api/cooccurrence?facet=source", ["no entity facet 'source'; they are people, organizations, places"]),
])
def test_research_bad_requests(client, url: str, errors: list[str]) -> None:
    assert_error(client.get(url), 400, errors)


def test_a_client_generated_from_the_spec(client, app, tmp_path) -> None:
    """openapi-python-client generates a package from our document; its methods talk to the app in process."""
    import importlib
    import os
    import subprocess
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    import httpx

    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/api/openapi.json").get_json()), encoding="utf-8")
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "openapi-python-client"), "generate", "--path", str(spec), "--output-path",
                    str(tmp_path / "newsearch_client"), "--meta", "none"], check=True, capture_output=True,
                   env={**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"})
    sys.path.insert(0, str(tmp_path))
    try:
        from newsearch_client.client import Client  # type: ignore[import-not-found]

        api = SimpleNamespace(**{name: importlib.import_module(f"newsearch_client.api.default.{name}") for name in
                                 ("search", "attention", "compare", "top_words", "cooccurrence", "get_article")})
        generated = Client(base_url="http://newsearch.test",
                           httpx_args={"transport": httpx.WSGITransport(app=app)})
        found = api.search.sync(client=generated, q="hamas", per_page=1)
        assert (found.total, found.pages, found.results[0].source) == (2, 2, "TRT World")
        attention = api.attention.sync(client=generated, q="hamas")
        assert (attention.matches, [v.count for v in attention.values]) == (2, [2])
        compared = api.compare.sync(client=generated, q1="hamas", q2="netanyahu")
        assert [s.matches for s in compared.series] == [2, 1]
        words = api.top_words.sync(client=generated, q="hamas", size=5)
        assert words.matches == 2
        names = api.cooccurrence.sync(client=generated, q="netanyahu", per_page=2)
        assert names.facets.additional_properties["people"].total == 2
        assert api.get_article.sync(SEED_000, client=generated).id == SEED_000
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("newsearch_client")]:
            del sys.modules[name]
