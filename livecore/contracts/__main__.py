"""``python -m livecore.contracts [--check] [--out DIR]``: write (or compare) the generated contracts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import asyncapi_document, openapi_document, protocol_schema

DOCS = Path(__file__).resolve().parents[2] / "docs" / "contracts"
DOCUMENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "protocol.schema.json": protocol_schema,
    "asyncapi.json": asyncapi_document,
    "openapi.json": openapi_document,
}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def stale(out: Path) -> list[str]:
    """The names of the documents under ``out`` that differ from what the code generates now."""
    return [name for name, make in DOCUMENTS.items()
            if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != render(make())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m livecore.contracts", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the files differ from the code")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(args.out)
        for name in bad:
            print(f"{args.out / name} is stale: run `python -m livecore.contracts`", file=sys.stderr)
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, make in DOCUMENTS.items():
        (args.out / name).write_text(render(make()), encoding="utf-8")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
