"""Corpus-level entity resolution: one value per entity across the whole corpus (no Whoosh, no Flask).

At index time every article's extracted values are added to an ``EntityStats`` (article counts per
value and same-article evidence such as "European Community (EC)"); ``build_table`` then decides,
once for the corpus, what each raw value becomes, and ``ResolutionTable.resolve`` applies it:

- one kind per name: the kind most articles give it (``Reagan`` is a person even in "Reagan
  administration"); company suffixes make an organization, country names a place;
- case-insensitive uniqueness, shown in the most common mixed-case form (JAPAN -> Japan);
- company variants merge (Chrysler, Chrysler Corp, Chrysler Corporation);
- a surname alone, or a person's name without a middle initial, maps to the corpus's dominant full
  name when that is unambiguous (Reagan -> Ronald Reagan);
- an acronym maps to its long form when the corpus writes "Long Form (ACR)" or the two, with
  matching initials, appear in the same articles (EC -> European Community);
- "U.S. Treasury" and "Treasury" are one value; a surname alone that several people share is dropped;
- demonyms (Kuwaiti, Qatari) never get here: extraction drops them (they are not entities);
- the alias file (``ALIASES_FILE``, then a user's own) overrides and extends all of this.

Alias file format: UTF-8 text, one rule a line, tab-separated, ``#`` starts a comment line::

    kind <TAB> alias <TAB> canonical [<TAB> canonical kind]

``kind`` is PER, ORG, LOC or ``*`` (any); matching is case-insensitive; ``canonical`` is the value
to show, or ``drop`` to remove the alias from the facets; the optional fourth column moves the value
to another kind (``ORG<TAB>Reagan<TAB>Ronald Reagan<TAB>PER``).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ALIASES_FILE = Path(__file__).parent / "models" / "aliases.txt"
ENTITY_STATS = "entity_stats.json"  # in an index generation: what resolution was built from
ENTITY_TABLE = "entity_table.json"  # in an index generation: the resolution itself
KINDS = ("PER", "ORG", "LOC")
DROP = "drop"
_COMPANY_SUFFIX_RE = re.compile(
    r"(?:,?\s+(?:corp|corporation|inc|incorporated|ltd|limited|co|cos|plc|ag|sa|nv|llc|lp|group|holdings?"
    r"|bancorp|(?:and|&)\s+co|company|cos))+\.?$", re.IGNORECASE)
_TWO_COMPANIES_RE = re.compile(r"\b(?:Corp|Inc|Co|Ltd|Plc|AG)\.?,? (?:and|&) [A-Z]")
_ACRONYM_PATTERN_RE = re.compile(r"\(\s*([A-Z][A-Za-z.&]{1,9})\s*\)")
_COUNTRY_PREFIX_RE = re.compile(r"^(?:U\.?S\.?|US|U\.?K\.?)\s+(?=\S)")
_INITIAL_RE = re.compile(r"\s+[A-Z]\.(?=\s)")
_MINOR_WORDS = frozenset(["of", "the", "and", "for", "&", "de", "du", "la", "le", "des", "on", "in", "to"])
SURNAME_SHARE = 0.75  # the dominant full name must hold this share of the full names with that surname
COMPANY_SHARE = 0.6  # the dominant company among those a short name starts
MIN_EVIDENCE = 2  # articles of same-article evidence needed to tie an acronym to a long form


class AliasFileError(ValueError):
    """An alias file line that cannot be read; the message gives the file and line."""


def name_key(name: str) -> str:
    """The case- and punctuation-insensitive key of a name: 'U.S.' and 'US' share one."""
    return re.sub(r"[\s\-–.,]+", " ", name.lower().replace("’", "'")).strip()


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name.replace(".", " ")) if w and w.lower() not in _MINOR_WORDS]
    return "".join(w[0] for w in words).upper()


def _acronym(name: str) -> str | None:
    """The letters of a name that reads as an acronym (EC, U.S.D.A., OPEC), else None."""
    letters = name.replace(".", "").replace("&", "")
    return letters if 2 <= len(letters) <= 8 and letters.isalpha() and letters.isupper() else None


@dataclass
class EntityStats:
    """Per-corpus counts for resolution: articles per (kind, name), and same-article evidence. Mergeable."""

    articles: int = 0
    values: Counter[tuple[str, str]] = field(default_factory=Counter)
    acronym_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # (acronym, long form name)
    acronym_patterns: Counter[tuple[str, str]] = field(default_factory=Counter)  # "Long Form (ACR)"

    def add(self, values: Iterable[tuple[str, str]], text: str = "") -> None:
        """Count one article's (kind, name) values; text, when given, is searched for "Long Form (ACR)"."""
        unique = set(values)
        self.articles += 1
        self.values.update(unique)
        names = {name for _, name in unique}
        acronyms = {a: n for n in names if (a := _acronym(n))}
        for long in names:
            if len(long.split()) > 1:
                initials = _initials(long)
                for acronym, short in acronyms.items():
                    if acronym == initials:
                        self.acronym_pairs[(short, long)] += 1
        if text:
            self._patterns(text, names, acronyms)

    def _patterns(self, text: str, names: set[str], acronyms: dict[str, str]) -> None:
        for m in _ACRONYM_PATTERN_RE.finditer(text):
            short = m.group(1)
            if _acronym(short) is None or (short not in names and _acronym(short) not in acronyms):
                continue  # "(Japan)" after a company name is its country, not its acronym
            before = text[max(0, m.start() - 80): m.start()].rstrip()
            for long in names:
                if len(long) > len(short) + 2 and before.lower().endswith(long.lower()):
                    self.acronym_patterns[(acronyms.get(_acronym(short) or "", short), long)] += 1

    def add_document(self, doc: Any) -> None:
        """Count a Document's people, organizations and places (and its body for acronym patterns)."""
        self.add(document_values(doc), getattr(doc, "body", ""))

    def merge(self, other: EntityStats) -> None:
        """Add another batch's counts (stats from parallel workers, or an --update's new articles)."""
        self.articles += other.articles
        self.values.update(other.values)
        self.acronym_pairs.update(other.acronym_pairs)
        self.acronym_patterns.update(other.acronym_patterns)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (lists of [kind or acronym, name, count])."""
        return {"articles": self.articles,
                "values": [[k, n, c] for (k, n), c in self.values.items()],
                "acronym_pairs": [[a, n, c] for (a, n), c in self.acronym_pairs.items()],
                "acronym_patterns": [[a, n, c] for (a, n), c in self.acronym_patterns.items()]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntityStats:
        """The inverse of to_json."""
        return cls(data.get("articles", 0), Counter({(k, n): c for k, n, c in data.get("values", [])}),
                   Counter({(a, n): c for a, n, c in data.get("acronym_pairs", [])}),
                   Counter({(a, n): c for a, n, c in data.get("acronym_patterns", [])}))

    def save(self, path: Path) -> None:
        """Write the stats as JSON (kept beside the index for --update)."""
        _write_new(path, json.dumps(self.to_json(), separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> EntityStats:
        """Read stats saved by save()."""
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def document_values(doc: Any) -> list[tuple[str, str]]:
    """The (kind, name) facet values of a Document."""
    return ([("PER", n) for n in doc.people] + [("ORG", n) for n in doc.organizations]
            + [("LOC", n) for n in doc.places])


@dataclass(frozen=True)
class AliasRule:
    """One alias file line: (kind or '*', alias) -> canonical (or drop), in target_kind ('' = unchanged)."""

    kind: str
    alias: str
    canonical: str
    target_kind: str


def read_aliases(path: Path) -> list[AliasRule]:
    """The rules of an alias file (format in the module docstring)."""
    rules = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) not in (3, 4) or not all(cells) or cells[0] not in (*KINDS, "*") \
                or (len(cells) == 4 and cells[3] not in KINDS):
            raise AliasFileError(f"{path}:{number}: expected 'kind<TAB>alias<TAB>canonical[<TAB>kind]' "
                                 f"with kind PER, ORG, LOC or *, got {line!r}")
        target = cells[3] if len(cells) == 4 else cells[0].strip("*")
        rules.append(AliasRule(cells[0], cells[1], cells[2], target))
    return rules


@dataclass
class ResolutionTable:
    """What each raw (kind, name) becomes: (kind, canonical), or None to drop it."""

    mapping: dict[tuple[str, str], tuple[str, str] | None]
    rules: list[AliasRule] = field(default_factory=list)

    def resolve(self, kind: str, name: str) -> tuple[str, str] | None:
        """The (kind, canonical) of a raw value; a value the table never saw passes through its alias rules."""
        if (kind, name) in self.mapping:
            return self.mapping[(kind, name)]
        return _apply_rules(self.rules, kind, name, (kind, name))

    def aliases(self, kind: str, canonical: str) -> list[str]:
        """The raw names merged into a value (for an 'explain' view), most frequent spelling first."""
        return sorted({n for (_, n), target in self.mapping.items() if target == (kind, canonical) and n != canonical})

    def inverse(self) -> dict[tuple[str, str], list[str]]:
        """Every value's merged raw names at once (``aliases`` for all values, in one pass)."""
        out: dict[tuple[str, str], list[str]] = {}
        for (_, name), target in self.mapping.items():
            if target is not None and name != target[1]:
                out.setdefault(target, []).append(name)
        return out

    def changed(self, older: ResolutionTable) -> set[tuple[str, str]]:
        """Raw values that resolve differently than in an older table (for --update: re-resolve their articles)."""
        return {v for v, target in self.mapping.items() if v in older.mapping and older.mapping[v] != target}

    def save(self, path: Path) -> None:
        """Write the table as JSON."""
        data = {"mapping": [[k, n, *(t or [None, None])] for (k, n), t in self.mapping.items()],
                "rules": [[r.kind, r.alias, r.canonical, r.target_kind] for r in self.rules]}
        _write_new(path, json.dumps(data, separators=(",", ":")))

    @classmethod
    def load(cls, path: Path) -> ResolutionTable:
        """Read a table written by save()."""
        data = json.loads(path.read_text(encoding="utf-8"))
        mapping = {(k, n): ((tk, tn) if tn is not None else None) for k, n, tk, tn in data["mapping"]}
        return cls(mapping, [AliasRule(*r) for r in data.get("rules", [])])


def _apply_rules(rules: list[AliasRule], kind: str, name: str,
                 default: tuple[str, str] | None) -> tuple[str, str] | None:
    """The last matching rule's decision for a value (the user's file is read last, so it wins)."""
    key = name_key(name)
    for rule in rules:
        if rule.kind in (kind, "*") and name_key(rule.alias) == key:
            default = None if rule.canonical.lower() == DROP else (rule.target_kind or kind, rule.canonical)
    return default


def build_table(stats: EntityStats, alias_file: Path | None = None, defaults: Path | None = ALIASES_FILE
                ) -> ResolutionTable:
    """Decide once for the corpus what every counted value becomes (rules in the module docstring)."""
    rules = (read_aliases(defaults) if defaults and defaults.exists() else [])
    rules += read_aliases(alias_file) if alias_file else []
    groups = _Groups(stats, rules)
    mapping: dict[tuple[str, str], tuple[str, str] | None] = {}
    for kind, name in stats.values:
        drop = _apply_rules([r for r in rules if r.canonical.lower() == DROP], kind, name, (kind, name)) is None
        target = None if drop or groups.is_ambiguous(name) else groups.target(kind, name)
        if target is not None and _apply_rules(rules, target[0], target[1], target) is None:
            target = None
        mapping[(kind, name)] = target
    return ResolutionTable(mapping, rules)


class _Groups:
    """The corpus-wide decisions: each name key's kind and display, and which key it merges into."""

    def __init__(self, stats: EntityStats, rules: list[AliasRule]) -> None:
        self.stats = stats
        self.kind_votes: dict[str, Counter[str]] = defaultdict(Counter)
        self.spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for (kind, name), count in stats.values.items():
            key = name_key(name)
            self.kind_votes[key][kind] += count
            self.spellings[key][name] += count
        self.count = {key: sum(votes.values()) for key, votes in self.kind_votes.items()}
        self.kind = {key: votes.most_common(1)[0][0] for key, votes in self.kind_votes.items()}
        self.parent: dict[str, str] = {}
        self.display_override: dict[str, str] = {}
        self.ambiguous: set[str] = set()
        self._merge_variants()
        self._merge_acronyms()
        self._merge_surnames()
        self._merge_company_short_names()
        self._apply_alias_rules([r for r in rules if r.canonical.lower() != DROP])

    def _apply_alias_rules(self, rules: list[AliasRule]) -> None:
        """Alias rules merge groups and name them: their canonical spelling and kind win."""
        for rule in rules:
            alias, canonical = name_key(rule.alias), name_key(rule.canonical)
            if canonical not in self.count:
                self.count[canonical] = 0
                self.kind[canonical] = rule.target_kind or self.kind.get(alias, "ORG")
            self.spellings[canonical][rule.canonical] += 0
            if alias in self.count:
                self._union(alias, canonical)
            root = self._root(canonical)
            self.display_override[root] = rule.canonical
            if rule.target_kind:
                self.kind[root] = rule.target_kind

    def target(self, kind: str, name: str) -> tuple[str, str]:
        """The (kind, display) a raw value resolves to."""
        key = self._root(name_key(name))
        return self.kind.get(key, kind), self.display(key)

    def is_ambiguous(self, name: str) -> bool:
        """A surname alone that several people of the corpus share."""
        key = name_key(name)
        return key in self.ambiguous and self._root(key) == key

    def display(self, key: str) -> str:
        """The most common spelling of a key (mixed case preferred to ALL CAPS)."""
        if key in self.display_override:
            return self.display_override[key]
        spellings = self.spellings[key]
        return max(spellings, key=lambda s: (not (s.isupper() and len(s) > 4 and " " in s), spellings[s],
                                             not s.isupper(), s))

    def _root(self, key: str) -> str:
        seen = set()
        while key in self.parent and key not in seen:
            seen.add(key)
            key = self.parent[key]
        return key

    def _union(self, small: str, big: str) -> None:
        small, big = self._root(small), self._root(big)
        if small == big:
            return
        self.parent[small] = big
        self.count[big] = self.count.get(big, 0) + self.count.get(small, 0)

    def _merge_variants(self) -> None:
        """Company suffixes, a leading U.S., and middle initials: variants merge into their most common form."""
        families: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key in self.count:
            name = self.display(key)
            kind = self.kind[key]
            if kind == "ORG":
                stem = _COMPANY_SUFFIX_RE.sub("", _COUNTRY_PREFIX_RE.sub("", name))
            elif kind == "PER":
                stem = _INITIAL_RE.sub("", name)
            else:
                stem = name
            if stem and name_key(stem) != key:
                families[(kind, name_key(stem))].append(key)
        for (kind, stem), keys in families.items():
            members = [k for k in [stem, *keys] if k in self.count and self.kind[k] == kind]
            if len(members) < 2:
                continue
            head = max(members, key=lambda k: self.count[k])
            for k in members:
                self._union(k, head)

    def _merge_acronyms(self) -> None:
        """An acronym joins its long form when the corpus spells it out or pairs them with matching initials."""
        evidence: dict[str, Counter[str]] = defaultdict(Counter)
        for (short, long), count in self.stats.acronym_patterns.items():
            evidence[name_key(short)][name_key(long)] += 2 * count
        for (short, long), count in self.stats.acronym_pairs.items():
            evidence[name_key(short)][name_key(long)] += count
        for short, longs in evidence.items():
            long, count = longs.most_common(1)[0]
            if count >= MIN_EVIDENCE and short in self.count and long in self.count and \
                    self.kind[short] == self.kind[long] != "LOC" and self._root(long) != self._root(short):
                self._union(short, long)

    def _merge_surnames(self) -> None:
        """A surname alone joins the dominant full name ending in it, when one name holds most of them."""
        full: dict[str, Counter[str]] = defaultdict(Counter)
        for key, count in self.count.items():
            if self.kind[key] == "PER" and " " in key and key in self.spellings:
                full[key.split()[-1]][self._root(key)] += count
        for key in list(self.count):
            if " " in key or key not in full or key in self.parent:
                continue
            candidates = full[key]
            best, count = candidates.most_common(1)[0]
            dominant = count >= MIN_EVIDENCE and count >= SURNAME_SHARE * sum(candidates.values())
            if self.kind[key] == "PER" and (dominant or len(candidates) == 1):
                self._union(key, best)
            elif self.kind[key] == "PER" and sum(1 for c in candidates.values() if c >= MIN_EVIDENCE) >= 2:
                self.ambiguous.add(key)  # "Baker" alone: James or Howard? Not a value a researcher can use


    def _merge_company_short_names(self) -> None:
        """A short name that starts the dominant company name of the corpus joins it (Chrysler, Salomon, Kidder)."""
        companies: dict[str, Counter[str]] = defaultdict(Counter)
        for key, count in self.count.items():
            name = self.display(key)
            if self.kind[key] == "ORG" and _COMPANY_SUFFIX_RE.search(name) and count >= MIN_EVIDENCE \
                    and not _TWO_COMPANIES_RE.search(name):
                words = name_key(_COMPANY_SUFFIX_RE.sub("", name)).replace("'s", "").replace(",", "").split()
                for k in range(1, min(3, len(words)) + 1):
                    companies[" ".join(words[:k])][self._root(key)] += count
                if len(words) > 1:  # "Depot" for Home Depot Inc, "Stearns" for Bear Stearns Cos
                    companies[words[-1]][self._root(key)] += count
        surnames: Counter[str] = Counter()
        for k, count in self.count.items():
            if " " in k and self.kind[k] == "PER":
                surnames[k.split()[-1]] += count
        for key in list(self.count):
            short = key.replace("'s", "")
            if short not in companies or key in self.parent or len(key.split()) > 2:
                continue
            if self.kind[key] == "LOC" or (self.kind[key] == "PER" and surnames[key] >= MIN_EVIDENCE):
                continue
            best, count = companies[short].most_common(1)[0]
            if self._root(key) in companies[short] and self.count[self._root(key)] >= count:
                continue  # already the name of the more common company (Merrill Lynch, not Merrill Lynch Commodities)
            if count >= COMPANY_SHARE * sum(companies[short].values()) and count >= self.count[key] / 4:
                self._union(key, best)


def resolve_values(table: ResolutionTable, values: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Resolved (kind, canonical) values in order, junk dropped, each once."""
    seen: set[tuple[str, str]] = set()
    for kind, name in values:
        target = table.resolve(kind, name)
        if target is not None and target not in seen:
            seen.add(target)
            yield target


def resolve_document(table: ResolutionTable, doc: Any) -> Any:
    """A Document with its people, organizations, places and mentions resolved through the table."""
    values = list(resolve_values(table, document_values(doc)))
    mentions = []
    for m in doc.mentions:
        target = table.resolve(m.kind, m.name)
        if target is not None:
            mentions.append(m._replace(kind=target[0], name=target[1]))
    return replace(doc, people=tuple(n for k, n in values if k == "PER"),
                   organizations=tuple(n for k, n in values if k == "ORG"),
                   places=tuple(n for k, n in values if k == "LOC"), mentions=tuple(mentions))


def _write_new(path: Path, text: str) -> None:
    """Write a file as a new file (never through a hard link that an index generation shares), atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
