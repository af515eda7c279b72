"""--update and rebuild against a hostile world: missing inputs, removed and restored files, merged rejects,
a generation that does not verify, slow documents, killed runs and their locks, a full disk."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from newsearch import indexer, store
from newsearch.cli import main
from newsearch.indexer import IndexerError, InputPathError, rebuild, update
from newsearch.store import Lock, current_dir, read_manifest

from .conftest import ROOT, SEEDS

BIN = Path(sys.executable).parent


def articles(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in docs.items():
        (folder / f"{name}.txt").write_text(f"Headline {name}\n{body}\n", encoding="utf-8")
    return folder


def index_ids(root: Path) -> set[str]:
    """The ids of the live documents, read with Whoosh itself."""
    ix = whoosh_index.open_dir(str(current_dir(root)))
    with ix.searcher() as searcher:
        ids = {fields["id"] for fields in searcher.all_stored_fields()}
    ix.close()
    return ids


def snapshot(root: Path) -> dict[str, str]:
    """Every file under the index folder and a hash of its bytes (symlinks by target)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "newsearch"), "rebuild-index", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


# --- --update is safe ------------------------------------------------------------------


@pytest.mark.parametrize("flags", [["--update"], []])
def test_a_missing_input_changes_nothing_and_exits_2(tmp_path: Path, flags: list[str]) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story.", "b": "Beta story."})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    before = snapshot(root)
    result = CliRunner().invoke(main, ["rebuild-index", str(tmp_path / "nope"), *flags, "--index-dir", str(root)])
    assert result.exit_code == 2
    assert result.output == (f"Error: cannot read input {tmp_path / 'nope'}: no such file or folder; "
                             "nothing was changed\n")
    assert snapshot(root) == before
    assert index_ids(root) == {"a", "b"}


def test_a_dangling_link_as_input_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    rebuild([articles(tmp_path / "in", {"a": "Alpha story."})], root, workers=1)
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    with pytest.raises(InputPathError, match=f"^cannot read input {tmp_path / 'link'}: no such file or folder; "
                                             "nothing was changed$"):
        update([tmp_path / "link"], root, workers=1)
    assert index_ids(root) == {"a"}


@pytest.mark.parametrize("given", [["two"], []])
def test_an_update_that_would_empty_a_whole_input_folder_is_refused(tmp_path: Path, given: list[str]) -> None:
    one = articles(tmp_path / "one", {"a": "Alpha story."})
    two = articles(tmp_path / "two", {"b": "Beta story.", "c": "Gamma story."})
    root = tmp_path / "ix"
    rebuild([one, two], root, workers=1)
    before = snapshot(root)
    for name in ("b", "c"):
        (two / f"{name}.txt").unlink()
    result = CliRunner().invoke(main, ["rebuild-index", *[str(tmp_path / g) for g in given], "--update",
                                       "--index-dir", str(root), "--workers", "1"])
    assert result.exit_code == 2
    assert result.output == (f"Error: input {two} has no files now, but 2 indexed articles came from it; "
                             "nothing was changed (to remove them all, rebuild without it)\n")
    assert snapshot(root) == before


def test_update_without_paths_reads_the_roots_the_index_was_built_from(tmp_path: Path) -> None:
    one = articles(tmp_path / "one", {"a": "Alpha story."})
    two = articles(tmp_path / "two", {"b": "Beta story.", "d": "Delta story."})
    root = tmp_path / "ix"
    rebuild([one, two], root, workers=1)
    (two / "b.txt").unlink()
    articles(one, {"c": "Gamma story."})
    stats = update(None, root, workers=1)
    assert (stats.indexed, stats.removed, stats.removed_ids) == (1, 1, ["b"])
    assert index_ids(root) == {"a", "c", "d"}
    assert read_manifest(current_dir(root)).roots == [str(one), str(two)]


def test_a_file_removed_by_one_update_and_restored_for_the_next_is_indexed_again(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story.", "b": "Beta story."})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    kept = (src / "b.txt").read_bytes()
    (src / "b.txt").unlink()
    assert update([src], root, workers=1).removed_ids == ["b"]
    assert index_ids(root) == {"a"} and read_manifest(current_dir(root)).ids() == {"a"}
    (src / "b.txt").write_bytes(kept)
    stats = update([src], root, workers=1)
    assert (stats.indexed, stats.updated, stats.unchanged, stats.removed) == (1, 0, 1, 0)
    assert index_ids(root) == {"a", "b"} and read_manifest(current_dir(root)).ids() == {"a", "b"}


def test_an_update_of_one_folder_removes_nothing_outside_it(tmp_path: Path) -> None:
    one = articles(tmp_path / "one", {"a": "Alpha story.", "b": "Beta story."})
    two = articles(tmp_path / "two", {"c": "Gamma story.", "d": "Delta story."})
    root = tmp_path / "ix"
    rebuild([one, two], root, workers=1)
    (one / "b.txt").unlink()
    (two / "c.txt").unlink()
    stats = update([one], root, workers=1)
    assert stats.removed_ids == ["b"]
    assert index_ids(root) == {"a", "c", "d"}  # two/ was not given: what it held stays until it is updated
    assert update([two], root, workers=1).removed_ids == ["c"]
    assert index_ids(root) == {"a", "d"}


def test_an_update_with_a_new_folder_adds_it_to_the_roots(tmp_path: Path) -> None:
    one = articles(tmp_path / "one", {"a": "Alpha story."})
    root = tmp_path / "ix"
    rebuild([one], root, workers=1)
    two = articles(tmp_path / "two", {"b": "Beta story."})
    update([two], root, workers=1)
    assert read_manifest(current_dir(root)).roots == [str(one), str(two)]
    assert index_ids(root) == {"a", "b"}
    assert json.loads((current_dir(root) / "build.json").read_text())["roots"] == [str(one), str(two)]


def test_cli_lists_the_removed_ids(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {f"n{i}": f"Story {i}." for i in range(8)})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    for i in range(7):
        (src / f"n{i}.txt").unlink()
    result = CliRunner().invoke(main, ["rebuild-index", str(src), "--update", "--index-dir", str(root),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("indexed 0, updated 0, unchanged 1, removed 7, rejected 0")
    assert lines[1] == "removed: n0, n1, n2, n3, n4 and 2 more"


def test_rejects_are_merged_across_updates(tmp_path: Path) -> None:
    src = tmp_path / "in"
    articles(src, {"a": "Alpha story."})
    (src / "bad.jsonl").write_text('{"title": "t", "body": "fine"}\nnot json\n', encoding="utf-8")
    (src / "empty.txt").write_text("\n", encoding="utf-8")
    (src / "gone.txt").write_text("\n", encoding="utf-8")
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    (src / "gone.txt").unlink()
    (src / "bad.jsonl").write_text('{"title": "t", "body": "fine"}\n{"title": "u", "body": "also"}\nnot json either\n',
                                   encoding="utf-8")
    stats = update([src], root, workers=1)
    assert stats.rejected == 2  # empty.txt is read again (changed within the racy window), bad.jsonl:3
    expected = [f"{src / 'bad.jsonl'}:3\tmalformed JSON: Expecting value at column 1",
                f"{src / 'empty.txt'}\tempty file"]
    for folder in (root, current_dir(root)):
        header, *lines = (folder / "rejects.tsv").read_text(encoding="utf-8").splitlines()
        assert (header, sorted(lines)) == ("origin\treason", expected)


def test_rejects_of_files_not_read_again_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in"
    articles(src, {"a": "Alpha story."})
    (src / "empty.txt").write_text("\n", encoding="utf-8")
    root = tmp_path / "ix"
    monkeypatch.setattr(indexer, "RACY_NS", 0)  # files just written count as settled
    rebuild([src], root, workers=1)
    articles(src, {"b": "Beta story."})
    stats = update([src], root, workers=1)
    assert (stats.indexed, stats.unchanged, stats.rejected) == (1, 1, 0)
    assert (root / "rejects.tsv").read_text(encoding="utf-8").splitlines() == [
        "origin\treason", f"{src / 'empty.txt'}\tempty file"]


# --- verify before swap --------------------------------------------------------------------


def test_a_generation_missing_a_document_is_not_swapped_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story.", "b": "Beta story."})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    live, before = current_dir(root), snapshot(root / current_dir(root).name)
    real_write = indexer._write

    def lossy(writer, doc, stats, update):  # noqa: ANN001, ANN202 - a writer that loses document "c"
        if doc.id != "c":
            real_write(writer, doc, stats, update)

    monkeypatch.setattr(indexer, "_write", lossy)
    articles(src, {"c": "Gamma story."})
    with pytest.raises(IndexerError, match="^update failed: the new index holds 2 documents, expected 3; "
                                           "the index is as it was before$"):
        update([src], root, workers=1)
    with pytest.raises(IndexerError, match="^rebuild failed: the new index holds 2 documents, expected 3; "
                                           "the previous index is still live$"):
        rebuild([src], root, workers=1)
    assert current_dir(root) == live
    assert snapshot(root / live.name) == before
    assert [p.name for p in root.glob("gen-*")] == [live.name]


def test_a_truncated_segment_fails_verification(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = articles(tmp_path / "in", {f"n{i}": f"Story number {i} about ports." for i in range(20)})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    live = current_dir(root)
    real_verify = indexer.verify_generation

    def truncate_then_verify(folder: Path, expected: int, probes: list[store.Probe]) -> None:
        for segment in folder.glob("*.pst"):
            segment.write_bytes(segment.read_bytes()[:16])
        real_verify(folder, expected, probes)

    monkeypatch.setattr(indexer, "verify_generation", truncate_then_verify)
    with pytest.raises(IndexerError, match="^rebuild failed: the new index does not read back .*; "
                                           "the previous index is still live$"):
        rebuild([src], root, workers=1)
    assert current_dir(root) == live
    assert len(index_ids(root)) == 20


# --- per-document budget ---------------------------------------------------------------------


def _slow_when_marked(raw):  # noqa: ANN001, ANN202 - parse_raw, but a CPU hog for documents saying SLOWDOC
    from newsearch.documents import parse_raw

    if b"SLOWDOC" in (raw.payload if isinstance(raw.payload, bytes) else raw.payload.encode()):
        while True:
            sum(range(1000))
    return parse_raw(raw)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_document_over_its_budget_is_a_reject_with_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   workers: int) -> None:
    src = tmp_path / "in"
    src.mkdir()
    lines = [{"id": "ok1", "title": "One", "body": "Fine text."}, {"id": "slow", "title": "SLOWDOC", "body": "x"},
             {"id": "ok2", "title": "Two", "body": "More fine text."}]
    (src / "feed.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    monkeypatch.setattr(indexer, "parse_raw", _slow_when_marked)
    monkeypatch.setattr(indexer, "DOCUMENT_BUDGET", 0.3)
    started = time.monotonic()
    stats = rebuild([src], tmp_path / "ix", workers=workers)
    assert time.monotonic() - started < 60
    assert (stats.indexed, stats.rejected) == (2, 1)
    assert [(r.origin, r.reason) for r in stats.rejects] == [
        (f"{src / 'feed.jsonl'}:2", "took over 0.3 s of CPU to parse and extract entities (the limit per document)")]
    assert index_ids(tmp_path / "ix") == {"ok1", "ok2"}


def _broken_when_marked(raw):  # noqa: ANN001, ANN202 - parse_raw, but a bug for documents saying BUGDOC
    from newsearch.documents import parse_raw

    if b"BUGDOC" in raw.payload:
        raise RecursionError("maximum recursion depth exceeded")
    return parse_raw(raw)


def test_an_unexpected_error_in_one_document_is_a_reject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story.", "b": "BUGDOC story."})
    monkeypatch.setattr(indexer, "parse_raw", _broken_when_marked)
    stats = rebuild([src], tmp_path / "ix", workers=1)
    assert [(r.origin, r.reason) for r in stats.rejects] == [
        (str(src / "b.txt"), "could not be parsed (RecursionError: maximum recursion depth exceeded)")]


# --- locks ---------------------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_lock_left_by_a_killed_run_is_taken_over_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    root.mkdir()
    pid = _dead_pid()
    (root / ".lock").write_text(str(pid))
    warnings: list[str] = []
    assert rebuild([SEEDS], root, workers=1, warn=warnings.append).indexed == 2
    assert warnings == [f"a previous rebuild or update (pid {pid}) was stopped before it finished; "
                        "taking over its lock"]
    assert (root / ".lock").read_text() == ""


def test_a_lock_still_held_by_leftovers_of_a_dead_run_is_replaced(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    root.mkdir()
    pid = _dead_pid()
    (root / ".lock").write_text(str(pid))
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time\n"
                               f"fd = os.open({str(root / '.lock')!r}, os.O_RDWR)\n"
                               "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        warnings: list[str] = []
        assert rebuild([SEEDS], root, workers=1, warn=warnings.append).indexed == 2
        assert warnings == [f"the lock of a previous rebuild or update (pid {pid}, no longer running) is still "
                            "held by processes it left behind; taking it over"]
    finally:
        holder.kill()
        holder.communicate()


def test_a_live_holder_is_never_taken_over(tmp_path: Path) -> None:
    root = tmp_path / "ix"
    with Lock(root):
        result = CliRunner().invoke(main, ["rebuild-index", str(SEEDS), "--index-dir", str(root)])
    assert result.exit_code == 1
    assert result.output == (f"Error: another rebuild or update (pid {os.getpid()}) is running on {root}; "
                             "wait for it to finish\n")


def children_of(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def big_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as f:
        for i in range(count):
            f.write(json.dumps({"id": f"tin-{i}", "title": f"Tin report {i}", "source": "Wire", "date": "2024-01-02",
                                "body": f"The tin market moved on day {i}. Traders in Geneva said so."}) + "\n")
    return folder


def test_a_killed_rebuild_takes_its_workers_with_it_and_the_next_one_runs(tmp_path: Path) -> None:
    index = tmp_path / "index"
    big = big_folder(tmp_path / "big", 3000)
    proc = subprocess.Popen([str(BIN / "newsearch"), "rebuild-index", str(big), "--index-dir", str(index),
                             "--workers", "2"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 4:  # two parse workers and Whoosh's two sub-writers are running
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.1)
        workers = children_of(proc.pid)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)  # the main process only, as `kill -9 PID` does
    assert proc.wait() == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, f"workers outlived the rebuild: {sorted(workers)}"
        time.sleep(0.1)
    result = cli(str(SEEDS), "--index-dir", str(index), "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("indexed 2, updated 0, unchanged 0, removed 0, rejected 0")
    assert result.stderr == (f"warning: a previous rebuild or update (pid {proc.pid}) was stopped before it "
                             "finished; taking over its lock\n")


# --- a full disk during --update --------------------------------------------------------------------


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))


def test_a_full_disk_during_update_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story.", "b": "Beta story."})
    index = tmp_path / "index"
    rebuild([src], index, workers=1)
    before = snapshot(index)
    big_folder(src / "big", 3000)
    result = cli(str(src), "--update", "--index-dir", str(index), "--workers", "1", preexec_fn=_limit_file_size)
    assert result.returncode == 1
    assert result.stderr == "Error: update failed: File too large; the index is as it was before\n"
    assert snapshot(index) == before
    assert index_ids(index) == {"a", "b"}
    result = cli(str(src), "--update", "--index-dir", str(index), "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("indexed 3,000, updated 0, unchanged 2, removed 0, rejected 0")


def test_update_without_an_index_is_one_line(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {"a": "Alpha story."})
    result = CliRunner().invoke(main, ["rebuild-index", str(src), "--update", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.output == (f"Error: no index at {tmp_path / 'none'}; build one with: newsearch rebuild-index "
                             f"--index-dir {tmp_path / 'none'}\n")


def test_an_update_keeps_the_default_sources_the_index_was_built_with(tmp_path: Path) -> None:
    wires = articles(tmp_path / "in" / "wires", {"a": "Alpha story."})
    root = tmp_path / "ix"
    rebuild([tmp_path / "in"], root, workers=1, default_sources={wires: "Wire Service"})
    articles(wires, {"b": "Beta story."})
    update(None, root, workers=1)
    ix = whoosh_index.open_dir(str(current_dir(root)))
    with ix.searcher() as searcher:
        sources = {f["id"]: f["meta"]["source"] for f in searcher.all_stored_fields()}
    ix.close()
    assert sources == {"wires/a": "Wire Service", "wires/b": "Wire Service"}


def test_cli_turns_an_os_error_into_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(main, ["rebuild-index", str(SEEDS), "--index-dir", str(tmp_path / "file" / "ix")])
    assert result.exit_code == 1
    assert result.output == f"Error: rebuild failed: Not a directory ({tmp_path / 'file' / 'ix'})\n"


def test_cli_turns_an_unexpected_error_into_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the writer fell over")

    monkeypatch.setattr("newsearch.cli.update", broken)
    result = CliRunner().invoke(main, ["rebuild-index", "--update", "--index-dir", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert result.output == "Error: update failed: unexpected RuntimeError: the writer fell over\n"


def test_an_update_never_changes_the_generation_servers_are_reading(tmp_path: Path) -> None:
    src = articles(tmp_path / "in", {f"n{i}": f"Story number {i} about ports." for i in range(30)})
    root = tmp_path / "ix"
    rebuild([src], root, workers=1)
    live = current_dir(root)
    before = snapshot(live)
    (src / "n3.txt").unlink()
    articles(src, {"n4": "Story number 4, revised.", "new": "A new story about ports."})
    stats = update([src], root, workers=1)
    assert (stats.indexed, stats.updated, stats.removed) == (1, 1, 1)
    assert current_dir(root) != live
    assert snapshot(live) == before  # hard-linked segments, never written in place
    assert len(index_ids(root)) == 30


def test_rejects_outside_an_updated_folder_are_kept(tmp_path: Path) -> None:
    one = articles(tmp_path / "one", {"a": "Alpha story."})
    two = articles(tmp_path / "two", {"b": "Beta story."})
    for folder in (one, two):
        (folder / "empty.txt").write_text("\n", encoding="utf-8")
    root = tmp_path / "ix"
    rebuild([one, two], root, workers=1)
    (one / "empty.txt").unlink()
    update([one], root, workers=1)
    assert (root / "rejects.tsv").read_text(encoding="utf-8").splitlines() == [
        "origin\treason", f"{two / 'empty.txt'}\tempty file"]
