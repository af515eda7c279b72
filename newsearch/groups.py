"""Copy groups and stories of one index generation, as arrays over document numbers.

The indexer saves the grouping (``copies.Grouper``) in the generation folder; here only its
JSON part is read: which articles each copy group and story holds.  An article without a
group (an index built before grouping) is a group and a story of its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .copies import GROUPS_DIR, STATE_JSON

log = logging.getLogger("newsearch")


@dataclass(frozen=True)
class Groups:
    """For each document number, the index of its copy group and of its story."""

    copy: np.ndarray  # int32
    story: np.ndarray  # int32
    copy_names: list[str]
    story_names: list[str]

    def members(self, docnum: int, of_story: bool = False) -> np.ndarray:
        """Document numbers in the same copy group (or story), this one included."""
        key = self.story if of_story else self.copy
        if int(key[docnum]) < len(key) and int(key[docnum]) == docnum:  # alone: its own number is its group
            return np.array([docnum])
        return np.flatnonzero(key == key[docnum])


def load_groups(folder: Path | None, ids: list[str]) -> Groups:
    """The groups saved in a generation folder, mapped onto its document numbers."""
    copy = np.arange(len(ids), dtype=np.int32)
    story = np.arange(len(ids), dtype=np.int32)
    names = list(ids)
    if folder is None or not (folder / GROUPS_DIR / STATE_JSON).exists():
        return Groups(copy, story, names, list(names))
    try:
        state = json.loads((folder / GROUPS_DIR / STATE_JSON).read_text(encoding="utf-8"))
        by_id = {doc_id: n for n, doc_id in enumerate(ids) if doc_id}
        copy_names = _assign(copy, state["groups"]["clusters"], state["ids"], by_id, len(ids))
        story_names = _assign(story, state["stories"]["clusters"], state["ids"], by_id, len(ids))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("copy and story groups of %s unreadable (%s): every article counts alone", folder, exc)
        return Groups(np.arange(len(ids), dtype=np.int32), np.arange(len(ids), dtype=np.int32), names, list(names))
    return Groups(copy, story, copy_names, story_names)


def _assign(out: np.ndarray, clusters: list[list[object]], numbered: list[str | None], by_id: dict[str, int],
            size: int) -> list[str]:
    """Number the clusters after the documents' own indexes: cluster k is index size + k."""
    names = [str(i) for i in range(size)]
    for cid, _seq, members in clusters:
        index = len(names)
        names.append(str(cid))
        for number in members:  # type: ignore[attr-defined]
            doc_id = numbered[number] if number < len(numbered) else None
            docnum = by_id.get(doc_id) if doc_id else None
            if docnum is not None:
                out[docnum] = index
    return names
