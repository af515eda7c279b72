"""searchd configuration files rendered from a layout: the RT tables of each shard and the front.

Sphinx 2.2.11 cannot create tables at run time, so every table is declared here.  Each shard
process holds two sets of article tables, slot ``a`` and slot ``b``; the front holds the
distributed indexes over them (``dist_a``, ``dist_b``), the value dictionaries (``values_a``,
``values_b``) and ``ns_meta``, whose one row names the live slot.  A rebuild fills the other
slot and then flips that row: the switch is one atomic REPLACE.
"""

from __future__ import annotations

from pathlib import Path

from ..facets import FACETS
from .layout import Layout, Node

SLOTS = ("a", "b")
FACET_ATTRS = {spec.name: f"f_{spec.name}" for spec in FACETS}  # value keys, for filters and counts
FACET_TEXTS = {spec.name: f"q_{spec.name}" for spec in FACETS}  # value words, for place:japan
# Words are indexed as our analyser writes them (see schema.index_text): letters, digits and "_".
# Latin (with its accented letters, case-folded but not accent-folded, as our analyser does), Greek, Cyrillic.
CHARSET = ("0..9, A..Z->a..z, _, a..z, U+AA, U+B5, U+BA, U+C0..U+D6->U+E0..U+F6, U+D8..U+DE->U+F8..U+FE, "
           "U+DF..U+F6, U+F8..U+FF, U+100..U+12F/2, U+132..U+137/2, U+139..U+148/2, U+14A..U+177/2, "
           "U+178->U+FF, U+179..U+17E/2, U+17F, U+391..U+3A1->U+3B1..U+3C1, U+3A3..U+3AB->U+3C3..U+3CB, "
           "U+3B1..U+3C9, U+410..U+42F->U+430..U+44F, U+430..U+44F, U+401->U+451, U+451")
ARTICLE_FIELDS = ("title", "body")
# The Snowball English stemmer (as our analyser's PyStemmer): "libstemmer_english" in Sphinx 2.2,
# "libstemmer_en" in Manticore (render the configs with morphology="libstemmer_en" there).
MORPHOLOGY = "libstemmer_english"
TEXT_SETTINGS = "ns_text"
# Pairs of adjacent common words, one token each (rows.sphinx_gram), as the Whoosh index's grams field:
# a phrase of two common words is then one exact-form posting list.  (Sphinx's own bigram_index
# does not serve the exact forms ("=of =the") that our phrases match.)
GRAM_FIELDS = {"title": "tgrams", "body": "grams"}
AGENT_TIMEOUT_MS = 500
QUERY_TIMEOUT_MS = 5000


def articles(slot: str) -> str:
    """The name of a slot's article table (on each shard) and of its distributed index (front)."""
    return f"articles_{slot}"


def distributed(slot: str) -> str:
    return f"dist_{slot}"


def values(slot: str) -> str:
    return f"values_{slot}"


def stored(slot: str) -> str:
    """A slot's table of stored articles (on each shard), and its distributed index on the front."""
    return f"stored_{slot}"


def stored_distributed(slot: str) -> str:
    return f"stored_dist_{slot}"


def _searchd(node: Node, folder: Path) -> str:
    return f"""searchd
{{
    listen = {node.host}:{node.api_port}
    listen = {node.host}:{node.sql_port}:mysql41
    log = {folder}/searchd.log
    query_log = {folder}/query.log
    pid_file = {folder}/searchd.pid
    binlog_path = {folder}/binlog
    workers = threads
    collation_server = binary
    read_timeout = 5
    client_timeout = 60
    max_packet_size = 32M
    ha_period_karma = 10
    ha_ping_interval = 500
}}
"""


def _article_table(name: str, folder: Path, morphology: str = MORPHOLOGY) -> str:
    facets = "\n".join(f"    rt_attr_multi_64 = {attr}" for attr in FACET_ATTRS.values())
    texts = "\n".join(f"    rt_field = {field}" for field in FACET_TEXTS.values())
    return f"""index {name}
{{
    type = rt
    path = {folder}/{name}
    rt_mem_limit = 256M
    rt_field = title
    rt_field = body
{texts}
    rt_field = every
    rt_field = tgrams
    rt_field = grams
    rt_attr_string = aid
    rt_attr_bigint = published
    rt_attr_uint = dated
    rt_attr_bigint = day
    rt_attr_bigint = week
    rt_attr_bigint = month
    rt_attr_bigint = year
{facets}
    dict = keywords
    morphology = {morphology}
    index_exact_words = 1
    min_prefix_len = 2
    charset_table = {CHARSET}
    min_word_len = 1
}}
"""


def _stored_table(slot: str, folder: Path) -> str:
    # Kept apart from the article table: a 2.2 RT query copies the string attributes of every row it
    # holds in its sorter, so a large stored text there makes grouping and sorting many times slower.
    return f"""index {stored(slot)}
{{
    type = rt
    path = {folder}/{stored(slot)}
    rt_field = unused
    rt_attr_string = meta
}}
"""


def shard_config(node: Node, folder: Path, morphology: str = MORPHOLOGY) -> str:
    """The configuration of one shard process: both slots of the article table and of the stored articles."""
    return _searchd(node, folder) + "".join(_article_table(articles(slot), folder, morphology)
                                            + _stored_table(slot, folder) for slot in SLOTS)


def _agents(layout: Layout, table: str) -> str:
    lines = []
    for mirrors in layout.shards:
        hosts = "|".join(f"{n.host}:{n.api_port}" for n in mirrors)
        lines.append(f"    agent = {hosts}:{table}")
    return "\n".join(lines)


def _distributed(name: str, layout: Layout, table: str) -> str:
    return f"""index {name}
{{
    type = distributed
{_agents(layout, table)}
    ha_strategy = nodeads
    agent_connect_timeout = {AGENT_TIMEOUT_MS}
    agent_query_timeout = {QUERY_TIMEOUT_MS}
}}
"""


def front_config(layout: Layout, folder: Path, morphology: str = MORPHOLOGY) -> str:
    """The front process: the distributed index of each slot, the value dictionaries and ns_meta."""
    out = [_searchd(layout.front, folder)]
    for slot in SLOTS:
        out.append(_distributed(distributed(slot), layout, articles(slot)))
        out.append(_distributed(stored_distributed(slot), layout, stored(slot)))
        out.append(f"""index {values(slot)}
{{
    type = rt
    path = {folder}/{values(slot)}
    rt_field = words
    rt_attr_uint = facet_no
    rt_attr_string = value
    dict = keywords
    min_prefix_len = 1
    charset_table = {CHARSET}
    min_word_len = 1
}}
""")
    out.append(_article_table(TEXT_SETTINGS, folder, morphology))  # empty: the tokeniser CALL SNIPPETS uses
    out.append(f"""index ns_meta
{{
    type = rt
    path = {folder}/ns_meta
    rt_field = note
    rt_attr_uint = slot
    rt_attr_string = info
}}
""")
    return "".join(out)
