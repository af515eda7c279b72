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
                                  "/api/openapi.json"}


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
    assert (body["source"], body["source_from"], body["date_from"]) == ("Anadolu Agency", "attribution", "header")
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
