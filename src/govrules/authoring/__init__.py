"""Policy authoring tools for compliance officers: `govrules policy check|fmt|test|doc|diff` and `govrules explain`.

Each tool is one module here with two functions, imported only when its command runs (start-up is a feature):

    def configure(parser: argparse.ArgumentParser) -> None   # its arguments, examples in the epilog
    def run(args: argparse.Namespace) -> int                  # its work; returns the exit code

`TOOLS` names them for the command line: (command, module, one-line help).
"""

from __future__ import annotations

POLICY_TOOLS: tuple[tuple[str, str, str], ...] = ()
TOP_LEVEL_TOOLS: tuple[tuple[str, str, str], ...] = ()
