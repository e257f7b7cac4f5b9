"""Project configuration: `.govrules.toml`, or `[tool.govrules]` in `pyproject.toml`, found by walking up from the
working directory (the nearest wins, `.govrules.toml` before `pyproject.toml` in one folder).

    policies = ["governance/policies"]      # paths relative to the configuration file
    format = "text"                          # default --format of `govrules check`
    fail_on = "soft"                         # the lowest enforcement that blocks: advisory, soft or hard

    [params]                                 # ([tool.govrules.params] in pyproject.toml)
    max_age_dpia = 180                       # a number of days for durations, or "180 days"

    [disable]                                # rules switched off, each with its reason
    "SEC-003" = "models are pinned by the gateway (GOV-12)"

Command-line flags win over the file. `govrules config` shows every value and where it came from.

    >>> # load_config(os.getcwd()) -> Config
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import namedtuple

from govrules.diagnostics import Diagnostic, GovrulesError, did_you_mean, one_of
from govrules.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KEYS = ("policies", "params", "disable", "format", "fail_on")
FAIL_ON = ("advisory", "soft", "hard")
FORMATS = ("auto", "text", "json", "sarif", "junit", "github", "gitlab", "markdown")
CONFIG_FILES = (".govrules.toml", "pyproject.toml")


class Setting(namedtuple("Setting", "value source")):
    """A configured value and where it came from: `file:line`, `--flag` or `default`."""

    __slots__ = ()
    value: Any
    source: str


class Config(
    namedtuple(
        "Config",
        "file policies params disable format fail_on",
        defaults=(None, None, None, None, None, None),
    )
):
    __slots__ = ()
    file: str | None
    policies: Setting | None
    params: dict[str, Setting] | None
    disable: dict[str, Setting] | None
    format: Setting | None
    fail_on: Setting | None


def find_config(start: str) -> tuple[str, bool] | None:
    """The nearest configuration file above `start`: (path, is_pyproject)."""
    here = os.path.abspath(start)
    while True:
        for name in CONFIG_FILES:
            path = os.path.join(here, name)
            if os.path.isfile(path):
                if name == ".govrules.toml":
                    return path, False
                if _mentions_tool_table(path):
                    return path, True
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _mentions_tool_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return any(line.strip().startswith("[tool.govrules") for line in handle)
    except OSError:
        return False


def load_config(start: str, explicit: str | None = None) -> Config:
    """The configuration in force from `start` (or the file named by `--config`); empty when there is none."""
    if explicit is not None:
        found: tuple[str, bool] | None = (explicit, os.path.basename(explicit) == "pyproject.toml")
    else:
        found = find_config(start)
    if found is None:
        return Config()
    path, pyproject = found
    display = _display(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise GovrulesError(
            [
                Diagnostic(
                    "GR503", "error", f"cannot read configuration `{display}`: {err.strerror or err}", None
                )
            ]
        ) from None
    import tomllib  # only when a configuration file exists

    text = raw.decode("utf-8", errors="replace")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, col = _position(str(err))
        raise GovrulesError(
            [
                Diagnostic(
                    "GR503",
                    "error",
                    f"invalid TOML: {str(err).split(' (at', 1)[0].lower()}",
                    Span(display, line, col),
                    "fix the TOML syntax (https://toml.io)",
                )
            ]
        ) from None
    table: Any = data.get("tool", {}).get("govrules", {}) if pyproject else data
    header = "[tool.govrules" if pyproject else "["
    return _parse(table, display, os.path.dirname(os.path.abspath(path)), text, header)


def _position(message: str) -> tuple[int, int]:
    found = re.search(r"at line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


def _line_of(text: str, key: str, section: str = "") -> int:
    """The line a key is written on (TOML parsers keep no positions): its first `key =` line after the
    section's header when it has one, else 1."""
    start = 0
    if section:
        head = re.search(rf"^\s*\[(tool\.govrules\.)?{re.escape(section)}\]", text, re.M)
        start = head.end() if head else 0
    pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=", re.M)
    found = pattern.search(text, start)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _parse(table: Any, display: str, base: str, text: str, header: str) -> Config:
    problems: list[Diagnostic] = []

    def source(key: str, section: str = "") -> str:
        return f"{display}:{_line_of(text, key, section)}"

    def problem(key: str, message: str, hint: str, section: str = "") -> None:
        span = Span(display, _line_of(text, key, section), 1)
        problems.append(Diagnostic("GR504", "error", message, span, hint))

    if not isinstance(table, dict):
        table = {}
    for key in table:
        if key not in KEYS:
            problem(
                key,
                f"unknown configuration key `{key}`",
                did_you_mean(key, KEYS) or f"the keys are: {', '.join(KEYS)}",
            )
    policies = fmt = fail_on = None
    params: dict[str, Setting] = {}
    disable: dict[str, Setting] = {}
    if "policies" in table:
        value = table["policies"]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem("policies", "`policies` must be a list of paths", 'write `policies = ["policies/"]`')
        else:
            policies = Setting([os.path.normpath(os.path.join(base, v)) for v in value], source("policies"))
    if "format" in table:
        value = table["format"]
        if value not in FORMATS:
            problem("format", f"unknown format `{value}`", one_of(str(value), FORMATS))
        else:
            fmt = Setting(value, source("format"))
    if "fail_on" in table:
        value = table["fail_on"]
        if value not in FAIL_ON:
            problem("fail_on", f"unknown enforcement `{value}` for `fail_on`", one_of(str(value), FAIL_ON))
        else:
            fail_on = Setting(value, source("fail_on"))
    for name, value in _table(table, "params", problem).items():
        params[name] = Setting(config_value(value), source(name, "params"))
    for rule, reason in _table(table, "disable", problem).items():
        if not isinstance(reason, str) or not reason.strip():
            problem(
                rule,
                f"rule `{rule}` is switched off without a reason",
                f'write `"{rule}" = "why it is off"`',
                "disable",
            )
        else:
            disable[rule] = Setting(reason.strip(), source(rule, "disable"))
    if problems:
        raise GovrulesError(problems)
    return Config(display, policies, params, disable, fmt, fail_on)


def _table(table: Any, key: str, problem: Any) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        problem(key, f"`{key}` must be a table", f"write it as a `[{key}]` section")
        return {}
    return value


def config_value(raw: Any) -> object:
    """A parameter value from TOML or the command line: text is read like `--param` (dates, `30 days`, lists)."""
    if isinstance(raw, list):
        return tuple(config_value(v) for v in raw)
    if isinstance(raw, dict):
        from govrules.table import Table

        return Table((str(k), config_value(v)) for k, v in raw.items())
    if isinstance(raw, dt.datetime):
        return raw
    if not isinstance(raw, str):
        return raw
    return parse_value(raw)


def parse_value(raw: str) -> object:
    lowered = raw.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        return tuple(x.strip().strip("\"'") for x in text[1:-1].split(",") if x.strip())
    from govrules.dates import calendar_date

    if (date := calendar_date(text)) is not None:
        return date
    for suffix in (" days", " day", "d"):
        count = lowered[: -len(suffix)].strip()
        if lowered.endswith(suffix) and count.isdigit() and len(count) <= 6:
            return dt.timedelta(days=int(count))
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text.strip("\"'")


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    return rel.replace(os.sep, "/")
