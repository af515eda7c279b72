from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from newsearch.cli import main
from newsearch.indexer import IndexBusy, IndexerError, current_dir, rebuild, update
from newsearch.results import SearchRequest
from newsearch.search import SearchEngine
from newsearch.store import Lock

from .conftest import SEEDS


def articles(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in docs.items():
        (folder / f"{name}.txt").write_text(f"Headline {name}\n{body}\n", encoding="utf-8")
    return folder


def count(root: Path, q: str = "") -> int:
    engine = SearchEngine(root)
    try:
        return engine.snapshot().search(SearchRequest(q=q)).total
    finally:
        engine.close()


def test_rebuild_counts_every_document_in(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha news on Monday.", "b": "Beta news."})
    (src / "empty.txt").write_text("\n", encoding="utf-8")
    (src / "bad.jsonl").write_text('{"title": "t", "body": "ok body"}\nnot json\n', encoding="utf-8")
    stats = rebuild([src], tmp_path / "ix", workers=2)
    assert (stats.indexed, stats.rejected, stats.undated) == (3, 2, 3)
    assert stats.seen == 5
    report = (tmp_path / "ix" / "rejects.tsv").read_text(encoding="utf-8").splitlines()
    assert report == ["origin\treason", f"{src / 'bad.jsonl'}:2\tmalformed JSON: Expecting value at column 1",
                      f"{src / 'empty.txt'}\tempty file"]
    assert count(tmp_path / "ix") == 3


def test_nothing_indexable_fails_and_keeps_the_old_index(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    rebuild([SEEDS], root, workers=1)
    live = current_dir(root)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"\x00\x00")
    with pytest.raises(IndexerError, match="nothing could be indexed from .* \\(1 rejected; see"):
        rebuild([bad], root, workers=1)
    assert current_dir(root) == live
    assert count(root) == 2
    assert sorted(p.name for p in root.glob("gen-*")) == [live.name]


def test_searcher_opened_before_a_rebuild_keeps_answering(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    rebuild([SEEDS], root, workers=1)
    engine = SearchEngine(root)
    before = engine.snapshot()
    assert before.search(SearchRequest(q="hamas")).total == 2
    rebuild([articles(tmp_path / "other", {"x": "Hamas said nothing new."})], root, workers=1)
    assert before.search(SearchRequest(q="hamas")).total == 2  # the old generation still answers
    after = engine.snapshot()
    assert after is not before
    assert after.search(SearchRequest(q="hamas")).total == 1
    engine.close()


def test_a_second_rebuild_while_one_runs_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    with Lock(root):
        with pytest.raises(IndexBusy, match=f"another rebuild or update \\(pid {os.getpid()}\\) is running on {root}"):
            rebuild([SEEDS], root, workers=1)
    assert rebuild([SEEDS], root, workers=1).indexed == 2


def test_update_adds_changes_and_removes(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story.", "b": "Beta story.", "c": "Gamma story."})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    (src / "b.txt").write_text("Headline b\nBeta story, revised with delta.\n", encoding="utf-8")
    (src / "c.txt").unlink()
    articles(src, {"d": "Delta story."})
    stats = update([src], root, workers=1)
    assert (stats.indexed, stats.updated, stats.unchanged, stats.removed, stats.rejected) == (1, 1, 1, 1, 0)
    assert count(root) == 3
    assert count(root, "delta") == 2
    assert count(root, "gamma") == 0
    again = update([src], root, workers=1)
    assert (again.indexed, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)


def test_new_searcher_after_update_and_merge_has_no_duplicates(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {f"n{i}": f"Story number {i} about ports." for i in range(12)})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    for i in range(4):
        articles(src, {f"m{i}": f"Later story {i} about ports."})
        update([src], root, workers=1)
    ix = whoosh_index.open_dir(str(current_dir(root)))
    with ix.writer() as w:
        w.mergetype = None
    ix.optimize()
    ix.close()
    engine = SearchEngine(root)
    results = engine.snapshot().search(SearchRequest(q="ports", per_page=100))
    ids = [h.id for h in results.hits]
    assert results.total == 16 and len(ids) == 16 and len(set(ids)) == 16
    engine.close()


def test_cli_rebuild_prints_a_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rebuild-index", str(SEEDS), "--index-dir", str(tmp_path / "ix"),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("indexed 2, updated 0, unchanged 0, removed 0, rejected 0, undated 0, elapsed ")
    info = json.loads((current_dir(tmp_path / "ix") / "build.json").read_text())
    assert (info["kind"], info["extractor"], info["whoosh"]) == ("rebuild", "newsearch-crf 1", "3.54.0")


def test_cli_fails_with_one_line_when_nothing_is_indexed(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rebuild-index", str(tmp_path / "in"), "--index-dir", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert result.output == (f"Error: nothing could be indexed from {tmp_path / 'in'} (1 rejected; "
                             f"see {tmp_path / 'ix' / 'rejects.tsv'})\n")


def test_cli_refuses_a_bad_default_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rebuild-index", "--default-source", "nofolder"])
    assert result.exit_code == 2
    assert "'nofolder' is not FOLDER=NAME, e.g. --default-source wires/=Reuters" in result.output


def test_flask_cli_runs_rebuild_index(runner, tmp_path: Path) -> None:
    result = runner.invoke(args=["rebuild-index", str(SEEDS), "--index-dir", str(tmp_path / "ix"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("indexed 2,")


def test_index_dir_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSEARCH_INDEX_DIR", str(tmp_path / "envix"))
    monkeypatch.chdir(SEEDS.parent)
    result = CliRunner().invoke(main, ["rebuild-index", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "envix" / "current").is_symlink()
    shutil.rmtree(tmp_path / "envix")


def test_progress_bar_shows_rate_and_time_left() -> None:
    import io

    from newsearch.cli import ProgressBar
    from newsearch.documents import ReadProgress

    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar.started -= 10.0  # ten seconds in
    read = ReadProgress([])
    read.total, read.done = 1000, 250
    bar(1500, read)
    assert stream.getvalue() == "\r[#######                       ]  25% 1,500 articles 150/s 0:30 left "
