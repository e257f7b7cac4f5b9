"""`govrules audit verify|export`: exit code, standard output and standard error together, per case."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from govrules.cli import main
from govrules.server.audit import verify
from test_audit import backend_url, fill, raw

Audit = Callable[..., tuple[int, str, str]]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


@pytest.fixture
def audit(capsys: pytest.CaptureFixture[str]) -> Audit:
    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["audit", *args])
        except SystemExit as exit:
            code = int(exit.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_verify_prints_the_records_checked_and_the_head(url: str, audit: Audit) -> None:
    fill(url, 3)
    head = verify(url).head_hash
    code, out, err = audit("verify", "--db", url)
    shown = url if url.startswith("sqlite:") else url.replace(":govrules@", ":***@")
    assert (code, out, err) == (
        0,
        f"the decision log `{shown}` holds: 3 records checked\nhead: seq 3, hash {head}\n",
        "",
    )
    assert audit("verify", "--db", url, "--expect-head", head)[0] == 0


def test_verify_names_the_first_bad_record(url: str, audit: Audit) -> None:
    fill(url, 3)
    intact = verify(url).head_hash
    with raw(url) as sql:
        sql("UPDATE govrules_decisions SET caller = 'someone else' WHERE seq = 2")
    code, out, err = audit("verify", "--db", url)
    assert code == 1 and err == ""
    assert (
        "does not hold at seq 2 (decision `decision-0002`): altered: its content does not match its hash\n"
        in out
    )
    assert out.endswith("intact before it: 1 records, head seq 1, hash " + verify(url).head_hash + "\n")
    code, out, _ = audit("verify", "--db", url, "--format", "json", "--expect-head", intact)
    found = json.loads(out)
    assert (code, found["ok"], found["records"]) == (1, False, 1)
    assert found["problem"] == {
        "seq": 2,
        "decision_id": "decision-0002",
        "kind": "altered",
        "message": "its content does not match its hash",
    }


def test_verify_fails_when_the_anchored_head_was_cut(tmp_path: Path, audit: Audit) -> None:
    url = f"sqlite:{tmp_path / 'log.db'}"
    fill(url, 3)
    head = verify(url).head_hash
    with raw(url) as sql:
        sql("DELETE FROM govrules_decisions WHERE seq = 3")
    code, out, _ = audit("verify", "--db", url, "--expect-head", head.upper())
    assert code == 1
    assert f"does not hold at seq 2: truncated: the expected head `{head}` is in none of the 2 records" in out


def test_export_writes_json_lines_in_chain_order(url: str, audit: Audit, tmp_path: Path) -> None:
    fill(url, 3)
    code, out, err = audit("export", "--db", url)
    records = [json.loads(line) for line in out.splitlines()]
    assert (code, err, [r["seq"] for r in records]) == (0, "", [1, 2, 3])
    assert records[0]["report"]["marker"] == "report-0001" and records[1]["summary"]["note"] == "summary-0002"
    assert records[1]["prev_hash"] == records[0]["hash"]
    target = tmp_path / "out.jsonl"
    code, out, err = audit("export", "--db", url, "--since", "1", "--output", str(target))
    assert (code, out, err) == (0, "", f"wrote 2 records to {target}\n")
    assert [json.loads(line)["seq"] for line in target.read_text().splitlines()] == [2, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "govrules audit: error: name an action, `verify` or `export` (see `govrules audit --help`)\n"),
        (
            ("verify",),
            "govrules audit verify: error: there is no decision log `govrules-decisions.db` (check the path given "
            "to --db)\n",
        ),
        (
            ("export", "--db", "mysql://db/x"),
            "govrules audit export: error: unsupported decision log URL scheme `mysql` (write `sqlite:FILE` or "
            "`postgresql://...`)\n",
        ),
        (
            ("verify", "--db", "notes.txt"),
            "govrules audit verify: error: cannot read the decision log `notes.txt`: file is not a database\n",
        ),
        (
            ("verify", "--expect-head", "abc"),
            "govrules audit verify: error: argument --expect-head: expected a record hash (64 hexadecimal digits), "
            "got `abc` (see `govrules audit verify --help`)\n",
        ),
        (
            ("export", "--since", "-1"),
            "govrules audit export: error: argument --since: expected a record number (0 or more), got `-1` (see "
            "`govrules audit export --help`)\n",
        ),
    ],
)
def test_usage_errors_and_unreadable_logs_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audit: Audit, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a database\n" * 300)
    assert audit(*args) == (2, "", message)


@pytest.mark.parametrize("args", [(), ("verify",), ("export",)])
def test_help_shows_examples_and_exit_codes(audit: Audit, args: tuple[str, ...]) -> None:
    code, out, _ = audit(*args, "--help")
    assert code == 0
    assert "examples:" in out.splitlines() and "exit codes:" in out.splitlines()
    assert "  1  the chain does not hold: the first altered, removed or reordered record is named" in out
