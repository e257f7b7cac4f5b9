"""`govrules policy doc`: the catalogue as Markdown (identical to `govrules rules`) and as one HTML page.

Regenerate the golden page with GOVRULES_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers import ROOT, run_cli

GOLDEN = ROOT / "tests" / "golden" / "doc"
FIXTURE = "tests/data/doc/fixture.gov"
VOID = {"meta", "br", "hr", "img", "link", "input", "wbr"}


class Page(HTMLParser):
    """Collects what the tests assert on: nesting, ids, attributes, headings, table header cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}> at {self.getpos()}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def pack_html() -> str:
    code, out, err = run_cli("policy", "doc", "--format", "html", cwd=ROOT)
    assert (code, err) == (0, "")
    return out


def pack_ids() -> list[str]:
    code, out, err = run_cli("rules", "--format", "json", cwd=ROOT)
    assert code == 0, err
    return [r["id"] for r in json.loads(out)["rules"]]


def test_markdown_is_exactly_the_rules_listing(tmp_path: Path) -> None:
    code, listing, err = run_cli("rules", "--format", "markdown", cwd=ROOT)
    assert code == 0, err
    assert run_cli("policy", "doc", cwd=ROOT) == (0, listing, "")
    code, out, err = run_cli("policy", "doc", "--output", str(tmp_path / "site"), cwd=ROOT)
    assert (code, err) == (0, "")
    assert out == f"wrote {tmp_path / 'site' / 'rules.md'} ({len(pack_ids())} rules)\n"
    assert (tmp_path / "site" / "rules.md").read_text(encoding="utf-8") == listing


def test_markdown_follows_parameter_overrides_as_the_listing_does() -> None:
    args = ("--format", "markdown", "--param", "max_age_dpia=200")
    assert run_cli("policy", "doc", *args, cwd=ROOT) == run_cli("rules", *args, cwd=ROOT)


def test_html_of_a_small_policy_matches_its_golden_file(tmp_path: Path) -> None:
    code, out, err = run_cli("policy", "doc", "--policy", FIXTURE, "--format", "html", cwd=ROOT)
    assert (code, err) == (0, "")
    golden = GOLDEN / "fixture.html"
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
    code, _, err = run_cli(
        "policy", "doc", "--policy", FIXTURE, "--format", "html", "--output", str(tmp_path), cwd=ROOT
    )
    assert (code, err) == (0, "")
    assert (tmp_path / "rules.html").read_text(encoding="utf-8") == out


def test_html_of_the_pack_parses_and_has_every_rule(pack_html: str) -> None:
    page = parse(pack_html)
    assert page.problems == [] and page.open == []
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    links = {a.get("href") for tag, a in page.tags if tag == "a"}
    for rule_id in pack_ids():
        assert rule_id.lower() in page.ids, rule_id
        assert f"#{rule_id.lower()}" in links, rule_id  # in the table of contents
        assert f"<figcaption>Source of {rule_id}: " in pack_html, rule_id
    assert all(href[1:] in page.ids for href in links if href and href.startswith("#")), "no dead anchors"


def test_html_is_self_contained_and_accessible(pack_html: str) -> None:
    page = parse(pack_html)
    assert pack_html.startswith("<!DOCTYPE html>\n")
    assert ("html", {"lang": "en"}) in page.tags
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not [
        a for _, a in page.tags if any((v or "").startswith(("http:", "https:", "//")) for v in a.values())
    ]
    assert tags.count("h1") == 1 and "nav" in tags and "main" in tags
    assert all(a.get("scope") in ("row", "col") for tag, a in page.tags if tag == "th")
    assert tags.count("table") == tags.count("caption")
    assert all(a.get("lang") is None for tag, a in page.tags if tag != "html")


def test_html_is_deterministic(pack_html: str) -> None:
    assert run_cli("policy", "doc", "--format", "html", cwd=ROOT) == (0, pack_html, "")


def test_every_rule_shows_its_own_source(pack_html: str) -> None:
    page = parse(pack_html)
    text = "".join(page.text)
    for rule_id in pack_ids():
        assert f'rule {rule_id} "' in text, rule_id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--policy", "nowhere.gov"), "policy path `nowhere.gov` does not exist"),
        (("--param", "max_age_dpai=3"), "max_age_dpia"),
        (("--format", "pdf"), "invalid choice: 'pdf'"),
    ],
)
def test_unusable_input_exits_2_without_a_traceback(args: tuple[str, ...], message: str) -> None:
    code, out, err = run_cli("policy", "doc", *args, cwd=ROOT)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err


def test_an_unwritable_output_exits_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, out, err = run_cli("policy", "doc", "--output", str(blocker), cwd=ROOT)
    assert (code, out) == (2, "")
    assert err.startswith("govrules: error: cannot write") and "Traceback" not in err
