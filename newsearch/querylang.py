"""The query language: a query string checked, repaired and parsed once into a tree.

Our own small lexer names every problem with its position.  The API refuses a query with
problems (``strict``); the page repairs it, searches what is left and shows the problems as
warnings (``lenient``).  The repaired text is then parsed into a small tree of frozen nodes
(``Word``, ``Phrase``, ``Prefix``, ``And``, ``Or``, ``Not``, ``All``) that each engine
translates: no engine's own query parser is involved.

Precedence: ``NOT`` binds tightest, then ``OR``, then ``AND`` (written or implied), so
``oil OR gas prices`` means ``(oil OR gas) AND prices``.  Unquoted words match their
inflections; words in quotes match exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from .analysis import query_words
from .facets import query_fields

MAX_QUERY_LENGTH = 500
MAX_QUERY_TERMS = 40
FIELDS = query_fields()
_TYPOGRAPHIC = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "＂": '"',
                              "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
                              "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "﹣": "-", "－": "-"})
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
    checked again until it is clean.  Typographic quotes, apostrophes and dashes count as
    their ASCII forms.
    """
    query = query.translate(_TYPOGRAPHIC)
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
                    f"unknown field {name!r}: use one of {', '.join(sorted(set(FIELDS.values())))}", pos))
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


# --- the query tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One word; ``field`` None means title and body. Exact words (quoted) skip inflections."""

    field: str | None
    text: str
    exact: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words in this order, each exactly as written."""

    field: str | None
    words: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    """Any word starting with ``text`` (from ``text*``)."""

    field: str | None
    text: str


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    """Every article (a search with filters only)."""


Node = Union[Word, Phrase, Prefix, And, Or, Not, All]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class ParsedQuery:
    """A query read once: its tree, what had to be repaired, and its plain words."""

    tree: Node
    problems: tuple[QueryProblem, ...]
    words: tuple[str, ...]


def parse(text: str, strict: bool) -> ParsedQuery:
    """Check, repair and parse a query; strict raises QueryError on any problem."""
    checked = check(text)
    if strict and checked.problems:
        raise QueryError(list(checked.problems))
    tree = _Parser(checked.text).parse() if checked.text.strip() else All()
    if isinstance(tree, All) and text.strip() and strict:
        raise QueryError([QueryProblem("nothing to search for", 0)])
    return ParsedQuery(tree, checked.problems, checked.words)


def positive_leaves(node: Node) -> list[Word | Phrase | Prefix]:
    """The words, phrases and prefixes that a match must or may contain (not the NOT-ed ones)."""
    if isinstance(node, (Word, Phrase, Prefix)):
        return [node]
    if isinstance(node, (And, Or)):
        return [leaf for child in node.children for leaf in positive_leaves(child)]
    return []


class _Parser:
    """Recursive descent over the repaired text: and_expr := or_expr ([AND] or_expr)*."""

    def __init__(self, text: str) -> None:
        self.tokens = [m.group() for m in _TOKEN_RE.finditer(text)]
        self.i = 0

    def parse(self) -> Node:
        node = self._and(None)
        return node if node is not None else All()

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _and(self, field: str | None) -> Node | None:
        parts: list[Node] = []
        while (token := self._peek()) is not None and token != ")":
            if token in ("AND", "OR"):  # a stray operator (the checker removes these)
                self.i += 1
                continue
            node = self._or(field)
            if node is not None:
                parts.append(node)
        return _combine(And, parts)

    def _or(self, field: str | None) -> Node | None:
        parts = [self._unary(field)]
        while self._peek() == "OR":
            self.i += 1
            parts.append(self._unary(field))
        return _combine(Or, [p for p in parts if p is not None])

    def _unary(self, field: str | None) -> Node | None:
        if self._peek() == "NOT":
            self.i += 1
            child = self._unary(field)
            return Not(child) if child is not None else None
        return self._primary(field)

    def _primary(self, field: str | None) -> Node | None:
        token = self._peek()
        if token is None:
            return None
        self.i += 1
        match = _FIELD_RE.match(token)
        if match and match.group(1).lower() in FIELDS:
            field, token = FIELDS[match.group(1).lower()], match.group(2)
            if not token:
                return self._primary(field)
        if token == "(":
            node = self._and(field)
            if self._peek() == ")":
                self.i += 1
            return node
        if token == '"':
            return self._quoted(field)
        return _leaf(field, token, exact=False)

    def _quoted(self, field: str | None) -> Node | None:
        found: list[str] = []
        while (token := self._peek()) is not None and token != '"':
            found.extend(query_words(token))
            self.i += 1
        self.i += 1  # the closing quote
        if not found:
            return None
        return Word(field, found[0], exact=True) if len(found) == 1 else Phrase(field, tuple(found))


def _leaf(field: str | None, token: str, exact: bool) -> Node | None:
    if token.endswith("*") and _good_wildcard(token):
        return Prefix(field, token[:-1].lower())
    found = query_words(token)
    if not found:
        return None
    return Word(field, found[0], exact) if len(found) == 1 else Phrase(field, tuple(found))


def _combine(kind: type[And] | type[Or], parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else kind(tuple(parts))
