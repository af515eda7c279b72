"""Random sequences of file changes, rebuilds and updates against a model of what the index should hold.

After every step the live index (read with Whoosh itself) holds exactly the model's documents, each
with the content of its last read, and the manifest claims exactly the ids the index holds.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from whoosh import index as whoosh_index

from newsearch.indexer import IndexerError, InputPathError, rebuild, update
from newsearch.store import current_dir, live_id_hashes, read_manifest

FOLDERS = ("north", "south")
WORDS = ("copper", "harbour", "tariff", "weather", "ceasefire")
TOKEN = re.compile(r"\bv\d+\b")


class UpdateMachine(RuleBasedStateMachine):
    """Files under two folders; the model is what the index held after its last successful run."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="newsearch-state-"))
        self.src, self.root = self.tmp / "in", self.tmp / "ix"
        for folder in FOLDERS:
            (self.src / folder).mkdir(parents=True)
        self.disk: dict[str, str] = {}  # id ("north/f3") -> the file's text
        self.removed: dict[str, str] = {}
        self.model: dict[str, str] | None = None  # id -> version token, once an index exists
        self.version = 0

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _write(self, doc_id: str, word: str) -> None:
        self.version += 1
        text = f"Headline {doc_id}\nThe {word} story, version v{self.version}.\n"
        (self.src / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        self.disk[doc_id] = text

    @initialize(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
    def start_with_an_index(self, words: list[str]) -> None:
        for i, word in enumerate(words):
            self._write(f"{FOLDERS[i % 2]}/f{self.version}", word)
        self.rebuild()

    @rule(folder=st.sampled_from(FOLDERS), word=st.sampled_from(WORDS))
    def add_file(self, folder: str, word: str) -> None:
        self._write(f"{folder}/f{self.version}", word)

    @precondition(lambda self: self.disk)
    @rule(data=st.data(), word=st.sampled_from(WORDS))
    def modify_file(self, data: st.DataObject, word: str) -> None:
        self._write(data.draw(st.sampled_from(sorted(self.disk))), word)

    @precondition(lambda self: self.disk)
    @rule(data=st.data())
    def remove_file(self, data: st.DataObject) -> None:
        doc_id = data.draw(st.sampled_from(sorted(self.disk)))
        (self.src / f"{doc_id}.txt").unlink()
        self.removed[doc_id] = self.disk.pop(doc_id)

    @precondition(lambda self: self.removed)
    @rule(data=st.data())
    def restore_file(self, data: st.DataObject) -> None:
        doc_id = data.draw(st.sampled_from(sorted(self.removed)))
        text = self.removed.pop(doc_id)
        (self.src / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        self.disk[doc_id] = text

    @rule(scope=st.sampled_from(["update", "update", "rebuild", *FOLDERS]))
    def run(self, scope: str) -> None:
        """A full rebuild, an update of everything, or an update of one folder."""
        if scope == "rebuild":
            self.rebuild()
        elif scope == "update":
            self.update_all()
        else:
            self.update_folder(scope)

    def rebuild(self) -> None:
        if not self.disk:
            with pytest.raises(IndexerError, match="^nothing could be indexed"):
                rebuild([self.src], self.root, workers=1, writer_procs=1)
            return
        rebuild([self.src], self.root, workers=1, writer_procs=1)
        self.model = self._tokens(self.disk)

    def update_all(self) -> None:
        if self.model and not self.disk:  # emptying every input root is refused
            with pytest.raises(InputPathError, match="has no files now"):
                update(None, self.root, workers=1)
            return
        update(None, self.root, workers=1)
        self.model = self._tokens(self.disk)

    def update_folder(self, folder: str) -> None:
        assert self.model is not None
        inside = {k: v for k, v in self.disk.items() if k.startswith(folder + "/")}
        outside = {k: v for k, v in self.model.items() if not k.startswith(folder + "/")}
        if not inside and len(outside) < len(self.model):
            with pytest.raises(InputPathError, match="has no files now"):
                update([self.src / folder], self.root, workers=1)
            return
        update([self.src / folder], self.root, workers=1)
        self.model = outside | self._tokens(inside)

    @staticmethod
    def _tokens(files: dict[str, str]) -> dict[str, str]:
        return {doc_id: TOKEN.findall(text)[0] for doc_id, text in files.items()}

    @invariant()
    def index_holds_the_model(self) -> None:
        if self.model is None:
            return
        folder = current_dir(self.root)
        ix = whoosh_index.open_dir(str(folder))
        with ix.searcher() as searcher:
            stored = list(searcher.all_stored_fields())
            assert searcher.doc_count() == len(stored)
        hashes = live_id_hashes(ix)  # what the next update will take the index to hold
        ix.close()
        assert {f["id"]: TOKEN.findall(f["meta"]["original"])[0] for f in stored} == self.model
        assert hashes == {f["id"]: f["meta"]["content_hash"] for f in stored}
        assert read_manifest(folder).ids() == set(self.model)


UpdateMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=10, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestUpdateState = UpdateMachine.TestCase
