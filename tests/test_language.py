"""Language identification: ISO 639-1 codes per article, the declared language for texts too short to tell."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest

from newsearch.language import detect_language, normalise_code

from .conftest import corpus


@pytest.mark.parametrize(("text", "code"), [
    ("The central bank left interest rates unchanged on Thursday, saying inflation was still too high.", "en"),
    ("La banque centrale a laissé ses taux inchangés jeudi, estimant que l'inflation restait trop élevée.", "fr"),
    ("Die Zentralbank ließ die Zinsen am Donnerstag unverändert, weil die Inflation weiterhin zu hoch sei.", "de"),
    ("El banco central mantuvo los tipos de interés sin cambios el jueves porque la inflación sigue alta.", "es"),
    ("Центральный банк в четверг оставил процентные ставки без изменений, сославшись на высокую инфляцию.", "ru"),
    ("Η κεντρική τράπεζα άφησε αμετάβλητα τα επιτόκια την Πέμπτη, καθώς ο πληθωρισμός παραμένει υψηλός.", "el"),
    ("Merkez bankası perşembe günü faiz oranlarını değiştirmedi ve enflasyonun hâlâ yüksek olduğunu söyledi.", "tr"),
    ("البنك المركزي أبقى أسعار الفائدة دون تغيير يوم الخميس قائلا إن التضخم لا يزال مرتفعا", "ar"),
    ("中央银行周四维持利率不变，称通货膨胀仍然过高。", "zh"),
    ("日本銀行は木曜日、インフレ率が依然として高すぎるとして金利を据え置いた。", "ja"),
    ("중앙은행은 목요일 인플레이션이 여전히 너무 높다며 금리를 동결했다.", "ko"),
])
def test_the_language_of_a_news_sentence(text: str, code: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(("text", "hint", "code"), [
    ("", "", ""),
    ("", "fr-FR", "fr"),
    ("OK 2024", "de", "de"),
    ("12:30 — 4-1", "", ""),
    ("Short", "en_GB", "en"),
])
def test_too_little_text_falls_back_to_the_declared_language(text: str, hint: str, code: str) -> None:
    assert detect_language(text, hint) == code


@pytest.mark.parametrize(("tag", "code"), [
    ("en", "en"), ("EN-us", "en"), ("pt_BR", "pt"), ("zh-Hant-TW", "zh"), ("eng", ""), ("x", ""), ("en us", ""),
    ("", ""),
])
def test_declared_language_tags_become_iso_639_1(tag: str, code: str) -> None:
    assert normalise_code(tag) == code


def test_real_english_news_is_english() -> None:
    with gzip.open(corpus("bbc.jsonl.gz"), "rt", encoding="utf-8") as f:
        bodies = [json.loads(line)["body"] for line in itertools.islice(f, 200)]
    codes = [detect_language(b) for b in bodies]
    assert codes.count("en") == len(bodies)


def test_every_format_gets_a_language() -> None:
    from newsearch.documents import Raw, parse_raw

    line = '{"id": "fr-1", "title": "Le conseil", "body": "Le conseil municipal a approuvé le projet lundi soir."}'
    english = '{"id": "en-1", "title": "The council", "body": "The city council approved the plan on Monday night."}'
    assert parse_raw(Raw("a", "json", line, "a")).language == "fr"
    assert parse_raw(Raw("b", "json", english, "b")).language == "en"
