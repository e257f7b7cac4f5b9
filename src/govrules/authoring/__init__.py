"""Policy authoring tools for compliance officers: `govrules policy check|fmt|test|doc|diff` and `govrules explain`.

Each tool is one module here with two functions, imported only when its command runs (start-up is a feature):

    def configure(parser: argparse.ArgumentParser) -> None   # its arguments, examples in the epilog
    def run(args: argparse.Namespace) -> int                  # its work; returns the exit code

`TOOLS` names them for the command line: (command, module, one-line help).
"""

from __future__ import annotations

POLICY_TOOLS: tuple[tuple[str, str, str], ...] = (
    (
        "check",
        "govrules.authoring.check",
        "parse and type-check policy files: every error and warning at once",
    ),
    ("fmt", "govrules.authoring.fmt", "print policy files in the one canonical layout, comments kept"),
    ("test", "govrules.authoring.test", "run the test cases next to the policies, with rule coverage"),
    (
        "doc",
        "govrules.authoring.doc",
        "generate the rule catalogue (Markdown or HTML) from the rules' metadata",
    ),
    (
        "diff",
        "govrules.authoring.diff",
        "list the projects and rules whose verdict a policy change would change",
    ),
)
TOP_LEVEL_TOOLS: tuple[tuple[str, str, str], ...] = (
    ("explain", "govrules.authoring.explain", "explain a rule in plain words, or trace it over a manifest"),
    (
        "report",
        "govrules.portfolio.command",
        "portfolio report over many manifests: stage funnel, compliance matrix, ownership, waiver debt, value",
    ),
    # the HTTP API and its decision log (govrules.server); `serve` needs the `server` extra, the others do not
    ("serve", "govrules.server.serve_command", "serve the evaluation API over HTTP, with a decision log"),
    ("token", "govrules.server.token_command", "create, list and revoke the API's bearer tokens"),
    (
        "audit",
        "govrules.server.audit_command",
        "verify the decision log's hash chain, or export it as JSON lines",
    ),
)
