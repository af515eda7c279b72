"""The query language: checking a query string before Whoosh sees it.

Whoosh's parser never raises: it silently drops what it does not understand.  So a query
is first read by our own small lexer, which names every problem with its position.  The
API refuses a query with problems (``strict``); the page repairs it, searches what is left
and shows the problems as warnings (``lenient``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_LENGTH = 500
MAX_QUERY_TERMS = 40
FIELDS = {
    "title": "title", "body": "body", "text": "body", "source": "source",
    "person": "person", "people": "person", "org": "org", "organization": "org", "organisation": "org",
    "place": "place", "location": "place",
}
OPERATORS = {"AND", "OR", "NOT"}
_TOKEN_RE = re.compile(r'"|\(|\)|[^\s"()]+')
_FIELD_RE = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)
_WORD_CHARS_RE = re.compile(r"\w")


@dataclass(frozen=True)
class QueryProblem:
    """What is wrong in a query, and at which character (0-based)."""

    message: str
    position: int

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


class QueryError(ValueError):
    """A query with problems, in strict mode."""

    def __init__(self, problems: list[QueryProblem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class CheckedQuery:
    """The query to hand to Whoosh, and what had to be repaired to get it."""

    text: str
    problems: tuple[QueryProblem, ...]
    words: tuple[str, ...]


def check(query: str) -> CheckedQuery:
    """Find the problems of a query and the repaired text (problems removed).

    A repair can expose another problem ('+OR' leaves a bare OR), so the repaired text is
    checked again until it is clean.
    """
    result = _check_once(query)
    for _ in range(4):
        again = _check_once(result.text)
        if not again.problems and again.text == result.text:
            return result
        later = tuple(QueryProblem(f"{p.message} (once repaired)", p.position) for p in again.problems)
        result = CheckedQuery(again.text, result.problems + later, again.words)
    return CheckedQuery(" ".join(result.words), result.problems, result.words)  # last resort: the words alone


def _check_once(query: str) -> CheckedQuery:
    if len(query) > MAX_QUERY_LENGTH:
        return CheckedQuery("", (QueryProblem(f"query is {len(query)} characters; the limit is {MAX_QUERY_LENGTH}",
                                              MAX_QUERY_LENGTH),), ())
    problems: list[QueryProblem] = []
    tokens = [(m.group(), m.start()) for m in _TOKEN_RE.finditer(query)]
    keep = [True] * len(tokens)
    _check_quotes(tokens, keep, problems)
    _check_parentheses(tokens, keep, problems)
    words = _check_terms(tokens, keep, problems)
    _check_operators(tokens, keep, problems)
    _canonical_signs(tokens, keep, problems)
    if len(words) > MAX_QUERY_TERMS:
        problems.append(QueryProblem(f"query has {len(words)} terms; the limit is {MAX_QUERY_TERMS}", 0))
    text = _join(tokens, keep)
    return CheckedQuery(text, tuple(sorted(problems, key=lambda p: p.position)), tuple(words))


def _check_quotes(tokens: list[tuple[str, int]], keep: list[bool], problems: list[QueryProblem]) -> None:
    quotes = [i for i, (t, _) in enumerate(tokens) if t == '"']
    if len(quotes) % 2:
        last = quotes[-1]
        keep[last] = False
        problems.append(QueryProblem('unbalanced quote: a phrase opened with " is never closed', tokens[last][1]))


def _in_phrase(tokens: list[tuple[str, int]], keep: list[bool]) -> list[bool]:
    inside, out = False, []
    for (t, _), kept in zip(tokens, keep, strict=True):
        if t == '"' and kept:
            inside = not inside
            out.append(True)
        else:
            out.append(inside)
    return out


def _check_parentheses(tokens: list[tuple[str, int]], keep: list[bool], problems: list[QueryProblem]) -> None:
    phrase = _in_phrase(tokens, keep)
    stack: list[int] = []
    for i, (t, pos) in enumerate(tokens):
        if phrase[i]:
            continue
        if t == "(":
            stack.append(i)
        elif t == ")":
            if stack:
                opened = stack.pop()
                if not any(keep[j] and tokens[j][0] not in "()" for j in range(opened + 1, i)):
                    keep[opened] = keep[i] = False
                    problems.append(QueryProblem("empty parentheses", tokens[opened][1]))
            else:
                keep[i] = False
                problems.append(QueryProblem("unbalanced parenthesis: ')' without a matching '('", pos))
    for i in stack:
        keep[i] = False
        problems.append(QueryProblem("unbalanced parenthesis: '(' is never closed", tokens[i][1]))


def _check_terms(tokens: list[tuple[str, int]], keep: list[bool], problems: list[QueryProblem]) -> list[str]:
    phrase = _in_phrase(tokens, keep)
    words: list[str] = []
    for i, (t, pos) in enumerate(tokens):
        if t in '"()' or (not phrase[i] and t in OPERATORS):
            continue
        term = t.lstrip("+-") if not phrase[i] else t
        field = _FIELD_RE.match(term)
        if field and not phrase[i]:
            name, term = field.group(1), field.group(2)
            if name.lower() not in FIELDS:
                problems.append(QueryProblem(
                    f"unknown field {name!r}: use one of title, source, person, org, place", pos))
                tokens[i] = (t.replace(":", " ", 1), pos)
            if not term and not (i + 1 < len(tokens) and tokens[i + 1][0] in '"('):
                keep[i] = False
                problems.append(QueryProblem(f"nothing after {name}:", pos))
                continue
        if not phrase[i] and ("*" in term or "?" in term) and not _good_wildcard(term):
            keep[i] = False
            problems.append(QueryProblem(
                f"unsupported wildcard in {term!r}: only a trailing * after two or more letters (negotiat*)", pos))
            continue
        if term and not _WORD_CHARS_RE.search(term):
            keep[i] = False
            if term not in "+-":
                problems.append(QueryProblem(f"{term!r} has no letters or digits to search for", pos))
            continue
        words.extend(w.lower() for w in re.findall(r"\w+", term))
    return words


def _good_wildcard(term: str) -> bool:
    return bool(re.fullmatch(r"\w{2,}\*", term))


def _check_operators(tokens: list[tuple[str, int]], keep: list[bool], problems: list[QueryProblem]) -> None:
    phrase = _in_phrase(tokens, keep)
    live = [i for i in range(len(tokens)) if keep[i]]
    for n, i in enumerate(live):
        t, pos = tokens[i]
        if phrase[i] or t not in OPERATORS:
            continue
        before = tokens[live[n - 1]][0] if n > 0 else None
        after = tokens[live[n + 1]][0] if n + 1 < len(live) else None
        binary = t in ("AND", "OR")
        dangling = (after is None or (after in OPERATORS and after != "NOT") or after == ")"
                    or (binary and before in (None, "(")))
        if dangling:
            keep[i] = False
            problems.append(QueryProblem(f"{t} needs a term on {'both sides' if binary else 'its right'}", pos))


_STRAY_SIGN_RE = re.compile(r"(?<!\w)-|-(?!\w)|\+")


def _canonical_signs(tokens: list[tuple[str, int]], keep: list[bool], problems: list[QueryProblem]) -> None:
    """-word, -(...) and -"..." become NOT; + (the default) goes; stray signs are dropped.

    Whoosh's sign plugin reads a hyphen inside a word as a minus and raises
    NotImplementedError on a sign with nothing to apply to, so it is not used at all.
    """
    phrase = _in_phrase(tokens, keep)
    for i, (t, pos) in enumerate(tokens):
        if not keep[i] or phrase[i] or t in '"()' or t in OPERATORS:
            continue
        stripped = t.lstrip("+-")
        negated = "-" in t[: len(t) - len(stripped)]
        rest = _hyphens_as_phrase(_STRAY_SIGN_RE.sub(" ", stripped).strip())
        if rest:
            tokens[i] = (("NOT " if negated else "") + rest, pos)
            continue
        following = next((j for j in range(i + 1, len(tokens)) if keep[j]), None)
        if following is not None and tokens[following][0] in '"(' and tokens[following][1] == pos + len(t):
            tokens[i] = ("NOT " if negated else "", pos)
        else:
            keep[i] = False
            problems.append(QueryProblem(f"{t!r} has nothing to apply to: write -word or -(words)", pos))


_HYPHENATED_RE = re.compile(r"^((?:[A-Za-z_]+:)?)(\w+(?:-\w+)+)$")


def _hyphens_as_phrase(term: str) -> str:
    """al-Ansari -> "al Ansari": words are indexed split at hyphens, so the phrase finds them."""
    m = _HYPHENATED_RE.match(term)
    return f'{m.group(1)}"{m.group(2).replace("-", " ")}"' if m else term


def _join(tokens: list[tuple[str, int]], keep: list[bool]) -> str:
    out, last_end = [], None
    for (t, pos), kept in zip(tokens, keep, strict=True):
        if not kept:
            last_end = None
            continue
        glue = "" if last_end == pos else " "
        out.append((glue if out else "") + t)
        last_end = pos + len(t)
    return "".join(out)
