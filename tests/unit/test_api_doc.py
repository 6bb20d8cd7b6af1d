"""docs/api.md names every HTTP route the API serves."""

import re
from pathlib import Path

from starlette.routing import Route

from livecore.api.app import ROUTE_MODULES, collect_routes

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
UNDOCUMENTED = {"/healthz", "/readyz", "/metrics"}  # named in the doc's opening paragraph


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def test_every_api_route_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = {_shape(p) for p in re.findall(r"(/api/[^\s`]+)", text)}
    served = {_shape(r.path) for r in collect_routes(ROUTE_MODULES)
              if isinstance(r, Route) and r.path.startswith("/api/")}
    assert served - documented == set()
    assert {p for p in UNDOCUMENTED} <= {r.path for r in collect_routes(ROUTE_MODULES) if isinstance(r, Route)}
