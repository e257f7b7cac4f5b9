"""Bearer tokens: the token file, authentication, and `govrules token create|list|revoke` as a user sees them."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from govrules.cli import main
from govrules.server.tokens import (
    DEFAULT_TOKENS_FILE,
    TOKEN_CHARS,
    Caller,
    TokenError,
    TokenStore,
    create_token,
    revoke_tokens,
)
from helpers import ROOT

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture()
def path(tmp_path: Path) -> str:
    return str(tmp_path / DEFAULT_TOKENS_FILE)


def test_a_created_token_authenticates_with_its_scope_and_name(path: str) -> None:
    evaluator, token = create_token(path, "evaluate", "intake-portal", now=NOW)
    admin, admin_token = create_token(path, "admin", "ops")
    store = TokenStore.load(path)
    assert len(store) == 2
    assert store.authenticate(token) == evaluator == Caller(evaluator.token_id, "evaluate", "intake-portal")
    assert store.authenticate(admin_token) == admin
    assert token.startswith(f"grt_{evaluator.token_id}_") and len(token) == TOKEN_CHARS
    assert store.records()[0].created == "2026-05-01T12:00:00Z"


def test_admin_may_do_what_evaluate_may_and_not_the_other_way() -> None:
    admin, evaluator = Caller("a" * 12, "admin", "ops"), Caller("b" * 12, "evaluate", "portal")
    assert (admin.allows("admin"), admin.allows("evaluate")) == (True, True)
    assert (evaluator.allows("admin"), evaluator.allows("evaluate")) == (False, True)


def _flip_last(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


PRESENTED: list[tuple[str, Callable[[str, str], str]]] = [
    ("wrong secret", lambda mine, other: _flip_last(mine)),
    ("tampered id", lambda mine, other: mine[:4] + ("0" if mine[4] != "0" else "1") + mine[5:]),
    ("another token's secret with this id", lambda mine, other: mine[:17] + other[17:]),
    ("this secret with another token's id", lambda mine, other: other[:17] + mine[17:]),
    ("an unknown id", lambda mine, other: "grt_000000000000" + mine[16:]),
    ("empty string", lambda mine, other: ""),
    ("garbage", lambda mine, other: "hello"),
    ("the bearer scheme left in", lambda mine, other: "Bearer " + mine),
    ("a trailing newline", lambda mine, other: mine + "\n"),
    ("one character short", lambda mine, other: mine[:-1]),
    ("wrong prefix", lambda mine, other: "gxt_" + mine[4:]),
    ("no separator after the id", lambda mine, other: mine[:16] + "-" + mine[17:]),
    ("non-ASCII of the right length", lambda mine, other: mine[:-1] + "é"),
    ("a lone surrogate", lambda mine, other: mine[:-1] + "\ud800"),
    ("very long input", lambda mine, other: mine * 20_000),
    ("only the id", lambda mine, other: mine[:16]),
]


@pytest.mark.parametrize("make", [m for _, m in PRESENTED], ids=[n for n, _ in PRESENTED])
def test_anything_but_the_exact_token_is_refused_without_raising(
    path: str, make: Callable[[str, str], str]
) -> None:
    _, mine = create_token(path, "evaluate", "mine")
    _, other = create_token(path, "admin", "other")
    assert TokenStore.load(path).authenticate(make(mine, other)) is None


def test_a_revoked_token_no_longer_authenticates(path: str) -> None:
    gone, token = create_token(path, "evaluate", "old")
    kept, kept_token = create_token(path, "evaluate", "new")
    assert revoke_tokens(path, [gone.token_id]) == (gone,)
    store = TokenStore.load(path)
    assert (store.authenticate(token), store.authenticate(kept_token), len(store)) == (None, kept, 1)


def test_revoking_an_unknown_id_changes_nothing(path: str) -> None:
    caller, _ = create_token(path, "evaluate", "kept")
    before = Path(path).read_bytes()
    with pytest.raises(TokenError, match="no token `000000000000`"):
        revoke_tokens(path, [caller.token_id, "000000000000"])
    assert Path(path).read_bytes() == before


def test_refresh_picks_up_a_revocation_and_only_rereads_a_changed_file(path: str) -> None:
    caller, token = create_token(path, "evaluate", "portal")
    store = TokenStore.load(path)
    assert store.refresh() is False
    revoke_tokens(path, [caller.token_id])
    assert (store.refresh(), store.authenticate(token), len(store)) == (True, None, 0)


def test_the_file_holds_no_secret_and_only_its_owner_may_read_it(path: str) -> None:
    umask = os.umask(0)  # even with nothing masked, the file is 0600
    try:
        tokens = [create_token(path, "evaluate", "t0")[1], create_token(path, "admin", "t1")[1]]
    finally:
        os.umask(umask)
    text = Path(path).read_text()
    for token in tokens:
        secret = token[17:]
        assert secret not in text and token not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    entries = [json.loads(line) for line in text.splitlines()]
    assert [sorted(e) for e in entries] == [
        sorted(["id", "name", "scope", "created", "alg", "salt", "hash"])
    ] * 2
    assert entries[0]["salt"] != entries[1]["salt"]


def test_a_lax_file_is_rewritten_0600(path: str) -> None:
    create_token(path, "evaluate", "a")
    os.chmod(path, 0o644)
    create_token(path, "evaluate", "b")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


GOOD = {
    "id": "3f9a1c0b7d2e",
    "name": "intake-portal",
    "scope": "evaluate",
    "created": "2026-05-01T12:00:00Z",
    "alg": "salted-sha256",
    "salt": "00" * 16,
    "hash": "11" * 32,
}


def _line(**changes: object) -> str:
    entry = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return json.dumps(entry)


MALFORMED = [
    ("not JSON", "{id: 1}", 2, "the line is not JSON"),
    ("not an object", "[1, 2]", 2, "not a JSON object"),
    ("a missing key", _line(hash=None), 2, "lacks `hash`"),
    ("an unknown key", _line(expires="2027-01-01"), 2, "unknown key `expires`"),
    ("a number for text", _line(name=7), 2, "`name` is not text"),
    ("an unknown scope", _line(scope="root"), 2, "unknown scope `root`"),
    ("a bad id", _line(id="XYZ"), 2, "`XYZ` is not a token id"),
    ("a local time", _line(created="2026-05-01T12:00:00"), 2, "`created` is not a UTC time"),
    ("not a time", _line(created="yesterday"), 2, "`created` is not a UTC time"),
    ("a short salt", _line(salt="00"), 2, "`salt` is not 16 bytes"),
    ("a hash in upper case", _line(hash="AB" * 32), 2, "`hash` is not 32 bytes"),
    ("another algorithm", _line(alg="md5"), 2, "unknown hash algorithm `md5`"),
    ("a control character in the name", _line(name="a\u001b[31mb"), 2, "control character"),
    ("the same id twice", _line(), 2, "appears again (first on line 1)"),
    ("not UTF-8", b"\xff\xfe".decode("latin-1"), 2, "not UTF-8"),
]


@pytest.mark.parametrize(
    ("second", "line", "message"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_file_is_a_token_error_naming_file_and_line(
    path: str, second: str, line: int, message: str
) -> None:
    Path(path).write_bytes(
        (_line() + "\n\n" + second + "\n").encode("latin-1" if "\xff" in second else "utf-8")
    )
    with pytest.raises(TokenError) as info:
        TokenStore.load(path)
    assert (info.value.path, info.value.line) == (path, line + 1)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}:{line + 1}: error ")
    assert "\n    hint: " in str(info.value)
    with pytest.raises(TokenError):
        create_token(path, "evaluate", "x")  # a malformed file is never overwritten


def test_a_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.jsonl")
    with pytest.raises(TokenError, match=r"create one with `govrules token create --tokens .*nope\.jsonl`"):
        TokenStore.load(missing)


def test_an_empty_file_is_a_store_without_tokens(path: str) -> None:
    Path(path).write_text("\n")
    assert len(TokenStore.load(path)) == 0


@pytest.mark.parametrize("name", ["", " padded", "a\nb", "x" * 65])
def test_a_bad_name_is_refused_before_anything_is_written(path: str, name: str) -> None:
    with pytest.raises(TokenError, match="the token name"):
        create_token(path, "evaluate", name)
    assert not os.path.exists(path)


def test_concurrent_creates_in_threads_keep_every_token(path: str) -> None:
    made: list[tuple[Caller, str]] = []
    threads = [
        threading.Thread(target=lambda i=i: made.append(create_token(path, "evaluate", f"t{i}")))
        for i in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = TokenStore.load(path)
    assert len(store) == 16
    assert all(store.authenticate(token) == caller for caller, token in made)


def test_concurrent_creates_in_processes_keep_every_token(path: str) -> None:
    script = (
        "import sys\nfrom govrules.server.tokens import create_token\n"
        "for i in range(10): print(create_token(sys.argv[1], 'evaluate', f'p{i}')[1])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, path], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(4)
    ]
    tokens = [line for proc in procs for line in proc.communicate(timeout=60)[0].split()]
    assert [proc.returncode for proc in procs] == [0] * 4
    store = TokenStore.load(path)
    assert (len(tokens), len(store)) == (40, 40)
    assert all(store.authenticate(token) is not None for token in tokens)


# the command, as a user sees it: (exit code, stdout, stderr)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["token", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_the_token_once_on_stdout_alone(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "create", "--scope", "admin", "--name", "ops", "--tokens", path)
    token = out.strip()
    caller = TokenStore.load(path).authenticate(token)
    assert (code, out, caller) == (0, token + "\n", Caller(token[4:16], "admin", "ops"))
    assert err.startswith(f"created token `{token[4:16]}` (`ops`, scope admin) in `{path}`; it is shown once")
    assert token not in err


def test_create_defaults_to_the_evaluate_scope_named_after_it(
    path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "create", "--tokens", path)
    caller = TokenStore.load(path).authenticate(out.strip())
    assert (code, caller) == (0, Caller(out[4:16], "evaluate", "evaluate"))


def test_create_json_is_for_scripts(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "create", "--name", "portal", "--format", "json", "--tokens", path)
    data = json.loads(out)
    assert (code, err, sorted(data)) == (0, "", ["id", "name", "scope", "token"])
    assert TokenStore.load(path).authenticate(data["token"]) == Caller(data["id"], "evaluate", "portal")


def test_list_shows_ids_names_scopes_and_times_never_secrets(
    path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first, token = create_token(path, "evaluate", "intake-portal", now=NOW)
    second, other = create_token(path, "admin", "ops", now=NOW)
    code, out, err = cli(capsys, "list", "--tokens", path)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "ID            NAME           SCOPE     CREATED",
        f"{first.token_id}  intake-portal  evaluate  2026-05-01T12:00:00Z",
        f"{second.token_id}  ops            admin     2026-05-01T12:00:00Z",
    ]
    code, out, _ = cli(capsys, "list", "--format", "json", "--tokens", path)
    assert json.loads(out) == [
        {
            "id": first.token_id,
            "name": "intake-portal",
            "scope": "evaluate",
            "created": "2026-05-01T12:00:00Z",
        },
        {"id": second.token_id, "name": "ops", "scope": "admin", "created": "2026-05-01T12:00:00Z"},
    ]
    hashes = [json.loads(line)["hash"] for line in Path(path).read_text().splitlines()]
    assert not any(secret in out for secret in (token[17:], other[17:], *hashes))


def test_revoke_removes_the_token(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    caller, token = create_token(path, "evaluate", "old")
    code, out, err = cli(capsys, "revoke", caller.token_id, "--tokens", path)
    assert (code, out, err) == (0, f"revoked token `{caller.token_id}` (`old`, scope evaluate)\n", "")
    assert TokenStore.load(path).authenticate(token) is None
    code, out, err = cli(capsys, "revoke", caller.token_id, "--tokens", path)
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}: error no token `{caller.token_id}` in the file\n    hint: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list",), "error no token file here\n    hint: create one with `govrules token create --tokens "),
        (("create", "--name", "a\tb"), "error the token name `a\\tb` has a control character"),
        (("create", "--scope", "root"), "invalid choice: 'root'"),
        ((), "name an action: create, list or revoke"),
        (("revoke",), "the following arguments are required: ID"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    path = str(tmp_path / "t.jsonl")
    argv = [*args, "--tokens", path] if args[:1] in (("list",), ("create",)) else list(args)
    try:
        code, out, err = cli(capsys, *argv)
    except SystemExit as exit:  # argparse's own errors
        code, (out, err) = int(str(exit.code)), capsys.readouterr()
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_a_malformed_file_exits_2_naming_the_line(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path(path).write_text(_line() + "\n" + _line(scope="root") + "\n")
    os.chmod(path, 0o600)
    code, out, err = cli(capsys, "list", "--tokens", path)
    assert (code, out) == (2, "")
    assert err == f"{path}:2: error unknown scope `root`\n    hint: use one of: evaluate, admin\n"


def test_a_file_others_may_read_is_warned_about(path: str, capsys: pytest.CaptureFixture[str]) -> None:
    create_token(path, "evaluate", "portal")
    os.chmod(path, 0o644)
    code, _, err = cli(capsys, "list", "--tokens", path)
    assert code == 0
    assert err == (
        f"govrules token: warning: other users may read or write the token file `{path}` (mode 0644)\n"
        f"    hint: restrict it: `chmod 600 {path}`\n"
    )


def test_the_default_file_is_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "create", "--name", "here")
    assert code == 0
    assert TokenStore.load(str(tmp_path / DEFAULT_TOKENS_FILE)).authenticate(out.strip()) is not None


@pytest.mark.parametrize("command", [(), ("create",), ("list",), ("revoke",)])
def test_help_shows_examples_and_exit_codes(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["token", *command, "--help"])
    lines = capsys.readouterr().out.splitlines()
    assert exit.value.code == 0
    assert "examples:" in lines and "exit codes:" in lines


def test_the_token_modules_need_no_server_extra() -> None:
    code = (
        "import sys; import govrules.server.token_command, govrules.server.tokens; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "[]\n")
