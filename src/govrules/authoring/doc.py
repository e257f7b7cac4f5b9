"""`govrules policy doc`: the rule catalogue, generated from the rules' metadata, as Markdown or one HTML page.

The Markdown is exactly `govrules rules --format markdown` (docs/rules.md): both render `catalogue.catalogue()`.
The HTML is one self-contained page (inline CSS, no script, no network): a table of contents by family, a section
per rule with its metadata table and its source highlighted by the govrules Pygments lexer, and the parameters.
The same policies give the same bytes.

    $ govrules policy doc --format html --output site/
    wrote site/rules.html (50 rules)
"""

from __future__ import annotations

import argparse
import os
import sys
from html import escape as _escape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from govrules.engine.prepared import PreparedPolicySet

FILE_NAMES = {"markdown": "rules.md", "html": "rules.html"}


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import add_policy_options

    add_policy_options(parser)
    parser.add_argument(
        "--format",
        choices=tuple(FILE_NAMES),
        default="markdown",
        help="markdown (as `govrules rules --format markdown`) or one self-contained HTML page (default: markdown)",
    )
    parser.add_argument(
        "--output",
        metavar="DIR",
        help="write DIR/rules.md or DIR/rules.html (the folder is created) instead of standard output",
    )
    parser.epilog = (
        "examples:\n"
        "  govrules policy doc --output docs/\n"
        "  govrules policy doc --format html --output site/\n"
        "  govrules policy doc --policy policies/ --param max_age_dpia=180 --format html > rules.html\n\n"
    ) + (parser.epilog or "")


def run(args: argparse.Namespace) -> int:
    from govrules.catalogue import catalogue, render
    from govrules.cli import engine_from, settings_from
    from govrules.diagnostics import GovrulesError

    fmt, args.format = args.format, None  # the catalogue's format is not a report format
    try:
        engine = engine_from(settings_from(args))
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    cat = catalogue(engine.compiled)
    text = render_html(cat, rule_sources(engine.compiled)) if fmt == "html" else render(cat, "markdown")
    if not args.output:
        sys.stdout.write(text)
        return 0
    path = os.path.join(args.output, FILE_NAMES[fmt])
    try:
        os.makedirs(args.output, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as err:
        sys.stderr.write(f"govrules: error: cannot write `{path}`: {err.strerror or err}\n")
        return 2
    sys.stdout.write(f"wrote {path} ({len(cat['rules'])} rules)\n")
    return 0


def rule_sources(prepared: PreparedPolicySet) -> dict[str, str]:
    """Each rule's text, cut from its policy file by the rule's span (`rule` to its closing brace)."""
    texts: dict[str, list[str] | None] = {}
    out: dict[str, str] = {}
    for rule in prepared.rules:
        span = rule.span
        if span.file not in texts:
            try:
                with open(span.file, encoding="utf-8-sig") as handle:
                    texts[span.file] = handle.read().splitlines()
            except (OSError, UnicodeDecodeError):
                texts[span.file] = None
        lines = texts[span.file]
        if not lines or not 0 < span.line <= span.end_line <= len(lines):
            continue
        chunk = lines[span.line - 1 : span.end_line]
        chunk[-1] = chunk[-1][: span.end_col - 1] if span.end_col > 0 else chunk[-1]
        chunk[0] = chunk[0][span.col - 1 :] if len(chunk) > 1 else chunk[0][span.col - 1 : span.end_col - 1]
        out[rule.id] = "\n".join(chunk) + "\n"
    return out


# ---- HTML ----

CSS = """\
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
  background: #fff; max-width: 70rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1, h2, h3 { line-height: 1.25; }
h2 { border-bottom: 2px solid #d0d7de; padding-bottom: .25rem; margin-top: 3rem; }
h3 { margin-top: 2.5rem; }
a { color: #0550ae; }
a:focus-visible { outline: 3px solid #0550ae; outline-offset: 2px; }
code, pre { font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; }
th, td { border: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
table.meta th { width: 11rem; }
td ul { margin: 0; padding-left: 1.2rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
nav ol ol { columns: 2; }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.sev-critical, .sev-high { color: #a40e26; font-weight: 600; }
figure { margin: 1rem 0; }
figcaption { font-size: .9rem; color: #57606a; }
pre.highlight { background: #f6f8fa; border: 1px solid #d0d7de; padding: .75rem; overflow-x: auto;
  white-space: pre-wrap; }
.highlight .c1 { color: #57606a; font-style: italic; }
.highlight .k, .highlight .kr, .highlight .kd, .highlight .kt { color: #a0111f; font-weight: 600; }
.highlight .kc, .highlight .no { color: #0550ae; }
.highlight .ow { color: #8250df; font-weight: 600; }
.highlight .nl { color: #953800; font-weight: 600; }
.highlight .nv { color: #953800; }
.highlight .nb, .highlight .bp, .highlight .nf { color: #6639ba; }
.highlight .na { color: #0a3069; }
.highlight .s2, .highlight .se { color: #0a3069; background: #eef6ff; }
.highlight .se { font-weight: 600; }
.highlight .m, .highlight .mi, .highlight .mf, .highlight .ld { color: #116329; }
@media print { nav { display: none; } pre.highlight { white-space: pre-wrap; } }
"""

ENFORCEMENT_NOTE = (
    "Enforcement: <code>advisory</code> is reported and never blocks; <code>soft</code> blocks unless a valid "
    "waiver covers it; <code>hard</code> blocks unless a waiver approved by a governance role covers it. A rule "
    "whose conditions do not hold for a project is <code>not_applicable</code>. Notes (<code>advise</code>) are "
    "advisory sub-findings: they never change the verdict."
)


def render_html(cat: Mapping[str, Any], sources: Mapping[str, str]) -> str:
    """The catalogue as one HTML page: deterministic bytes for the same catalogue and sources."""
    rules, params = cat["rules"], cat["parameters"]
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="govrules policy doc">',
        "<title>Rule catalogue</title>",
        f"<style>\n{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>Rule catalogue</h1>",
        "<p>Generated by <code>govrules policy doc --format html</code> from the policies in force; do not edit "
        f"by hand. {len(rules)} rules, {len(params)} parameters.</p>",
        f"<p>{ENFORCEMENT_NOTE}</p>",
        "</header>",
    ]
    body = [*_contents(rules), "<main>", *_families(rules, sources), *_parameters(params), "</main>"]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def _by_family(rules: Iterable[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    groups: list[tuple[str, list[Mapping[str, Any]]]] = []
    for r in rules:
        if not groups or groups[-1][0] != r["family"]:
            groups.append((r["family"], []))
        groups[-1][1].append(r)
    return groups


def _family_title(fam: str) -> str:
    from govrules.catalogue import FAMILIES

    return f"{fam}: {FAMILIES.get(fam, fam)}"


def _contents(rules: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    yield '<nav aria-labelledby="contents">'
    yield '<h2 id="contents">Contents</h2>'
    yield "<ol>"
    for fam, members in _by_family(rules):
        yield f'<li><a href="#family-{_anchor(fam)}">{escape(_family_title(fam))}</a>'
        yield "<ol>"
        for r in members:
            yield (
                f'<li><a href="#{_anchor(r["id"])}"><span class="id">{escape(r["id"])}</span></a> '
                f"{escape(r['title'])}</li>"
            )
        yield "</ol>"
        yield "</li>"
    yield '<li><a href="#parameters">Parameters</a></li>'
    yield "</ol>"
    yield "</nav>"


def _families(rules: Iterable[Mapping[str, Any]], sources: Mapping[str, str]) -> Iterable[str]:
    for fam, members in _by_family(rules):
        anchor = f"family-{_anchor(fam)}"
        yield f'<section aria-labelledby="{anchor}">'
        yield f'<h2 id="{anchor}">{escape(_family_title(fam))}</h2>'
        for r in members:
            yield from _rule(r, sources.get(r["id"]))
        yield "</section>"


def _rule(r: Mapping[str, Any], source: str | None) -> Iterable[str]:
    anchor = _anchor(r["id"])
    yield f'<section aria-labelledby="{anchor}">'
    yield f'<h3 id="{anchor}"><span class="id">{escape(r["id"])}</span> {escape(r["title"])}</h3>'
    yield '<table class="meta">'
    yield f"<caption>Metadata of {escape(r['id'])}</caption>"
    yield "<tbody>"
    for label, cell in _metadata(r):
        yield f'<tr><th scope="row">{label}</th><td>{cell}</td></tr>'
    yield "</tbody>"
    yield "</table>"
    if source is not None:
        yield "<figure>"
        yield f"<figcaption>Source of {escape(r['id'])}: <code>{escape(r['source'])}</code></figcaption>"
        yield f'<pre class="highlight"><code>{_highlight(source)}</code></pre>'
        yield "</figure>"
    yield "</section>"


def _highlight(source: str) -> str:
    from govrules.authoring.lexer import highlight_html

    return highlight_html(source).rstrip("\n")


def _metadata(r: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    yield "Severity", f'<span class="sev-{_anchor(r["severity"])}">{escape(r["severity"])}</span>'
    yield "Enforcement", _code(r["enforcement"])
    yield "Waivable", "yes" if r["waivable"] else "<strong>no</strong>"
    yield "Applies when", " and ".join(_code(w) for w in r["applies_when"]) or "every project"
    yield "Requires", _clauses(r["requires"])
    if r["advice"]:
        yield "Advises (notes only)", _clauses(r["advice"])
    if r["parameters"]:
        yield (
            "Parameters",
            ", ".join(f'<a href="#param-{_anchor(p)}">{_code(p)}</a>' for p in r["parameters"]),
        )
    yield "References", _list(escape(ref) for ref in r["references"])
    yield "Remediation", escape(r["remediation"])
    if r["description"]:
        yield "Notes", escape(r["description"])
    yield "Defined in", _code(r["source"])


def _clauses(clauses: Iterable[Mapping[str, str]]) -> str:
    return _list(
        _code(c["expression"]) + (f" — {escape(c['message'])}" if c["message"] else "") for c in clauses
    )


def _list(items: Iterable[str]) -> str:
    inner = "".join(f"<li>{item}</li>" for item in items)
    return f"<ul>{inner}</ul>" if inner else ""


def _code(text: str) -> str:
    return f"<code>{escape(text)}</code>"


def _anchor(text: str) -> str:
    return _escape(text.lower(), quote=True)


def escape(text: str) -> str:
    """Text for element content: `&`, `<` and `>` escaped; quotes stay readable."""
    return _escape(text, quote=False)


def _parameters(params: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    yield '<section aria-labelledby="parameters">'
    yield '<h2 id="parameters">Parameters</h2>'
    yield "<p>Override with <code>--param NAME=VALUE</code>. Durations are in days.</p>"
    yield "<table>"
    yield "<caption>Rule parameters in force</caption>"
    yield "<thead>"
    yield '<tr><th scope="col">Parameter</th><th scope="col">Value</th><th scope="col">Default</th>'
    yield '<th scope="col">Meaning</th><th scope="col">Used by</th></tr>'
    yield "</thead>"
    yield "<tbody>"
    for p in params:
        used = ", ".join(f'<a href="#{_anchor(r)}">{escape(r)}</a>' for r in p["used_by"]) or "(waivers)"
        yield (
            f'<tr id="param-{_anchor(p["name"])}"><th scope="row">{_code(p["name"])}</th>'
            f"<td>{_code(p['value'])}</td><td>{_code(p['default'])}</td><td>{escape(p['doc'])}</td>"
            f"<td>{used}</td></tr>"
        )
    yield "</tbody>"
    yield "</table>"
    yield "</section>"
