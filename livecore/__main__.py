"""``livecore <command>``: one entry point for every process and tool.

Each command lives in its own module exposing ``configure(parser)`` and ``run(args, settings) -> int``;
modules are imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .cli_help import HelpFormatter, plain
from .config import Settings

COMMANDS: dict[str, tuple[str, str]] = {
    "gateway": ("livecore.gateway.cli", "run a WebSocket gateway process"),
    "api": ("livecore.api.cli", "run the HTTP API, console and viewer pages"),
    "worker": ("livecore.workers.cli", "run stream consumers (orders, payment timeouts, rankings, analytics)"),
    "demo": ("livecore.demo.cli", "run everything with a simulated live room"),
    "migrate": ("livecore.storage.cli", "apply pending database migrations"),
    "token": ("livecore.token_cli", "mint an access token"),
    "services": ("livecore.services.cli", "find or start Redis and PostgreSQL and print their URLs"),
    "reconcile": ("livecore.commerce.reconcile_cli", "compare a sale's, a group deal's or a room's share"
                  " attribution's Redis, stream and PostgreSQL records"),
    "restore": ("livecore.commerce.restore_cli", "rebuild what Redis lost (sales, every feature's"
                " records) from PostgreSQL's record"),
    "verify-lottery": ("livecore.features.lottery.verify_cli", "recompute a lottery's winners from public data"),
}


def commands() -> dict[str, tuple[str, str]]:
    """The core's commands, then each registered feature's (``Feature.commands``)."""
    importlib.import_module("livecore.protocol")  # the wire schema reads the registry: let it load the features
    from .features import registry

    return {**COMMANDS, **registry.commands()}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, object]]:
    parser = argparse.ArgumentParser(prog="livecore", description=plain(__doc__.split("\n\n")[0]),
                                     formatter_class=HelpFormatter,
                                     epilog="Settings come from LIVECORE_* environment variables (see README.md); "
                                            "'livecore <command> --help' describes a command.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    modules: dict[str, object] = {}
    wanted = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    for name, (module_name, help_text) in commands().items():
        p = sub.add_parser(name, help=help_text, description=help_text, formatter_class=HelpFormatter)
        if name == wanted:
            module = importlib.import_module(module_name)
            p.description = plain(module.__doc__ or help_text)
            module.configure(p)
            modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    parser, modules = build_parser()
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module = modules.get(args.command) or importlib.import_module(commands()[args.command][0])
    settings = Settings.from_env()
    return int(module.run(args, settings) or 0)  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
