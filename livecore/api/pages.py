"""The host console (``/console/``), the viewer page (``/room/{id}``) and their static assets.

Plain HTML, CSS and ES modules served as files: what is in ``livecore/console/`` is exactly what the
browser runs. The one built file, the TypeScript SDK's bundle ``js/sdk/livecore-client.js`` (through which the
pages speak to the gateway), is built from ``clients/ts/src`` and committed, so serving needs no build step.
The pages find the gateway through ``/api/config`` and their token in ``?token=`` (or the demo login), so the
same files work behind any proxy.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..features import registry

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
FAVICON = Path(__file__).resolve().parent / "favicon.svg"
_NO_CACHE = {"Cache-Control": "no-cache"}


def _page(name: str) -> FileResponse:
    return FileResponse(CONSOLE_DIR / name, media_type="text/html; charset=utf-8", headers=_NO_CACHE)


async def console(request: Request) -> Response:
    return _page("console.html")


async def viewer(request: Request) -> Response:
    return _page("room.html")


async def favicon(request: Request) -> Response:
    """The site icon (SVG), at the path browsers ask for on their own and as ``/favicon.svg``."""
    return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


FEATURE_PAGES = ("console", "viewer")


def feature_modules_js(page: str) -> str:
    """The ES module that loads every registered feature's panel (``console``) or widget (``viewer``)."""
    return "".join(f'import "/assets/js/{module}";\n' for module in registry.page_modules(page))


async def feature_modules(request: Request) -> Response:
    """``/features/{page}.js``: what ``js/features.js`` imports to learn the page's features."""
    page = request.path_params["page"]
    if page not in FEATURE_PAGES:
        return Response("no such page\n", status_code=404, media_type="text/plain")
    return Response(feature_modules_js(page), media_type="text/javascript", headers=_NO_CACHE)


async def to_console(request: Request) -> Response:
    query = ("?" + request.url.query) if request.url.query else ""
    return RedirectResponse("/console/" + query, status_code=307)


class _Assets(StaticFiles):
    """Static files revalidated on every load (ETag), so a redeploy is picked up without stale modules."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.update(_NO_CACHE)
        return response


def routes() -> list[BaseRoute]:
    return [
        Route("/", to_console),
        Route("/console", to_console),
        Route("/console/", console),
        Route("/room/{room}", viewer),
        Route("/features/{page}.js", feature_modules),
        Route("/favicon.ico", favicon),
        Route("/favicon.svg", favicon),
        Mount("/assets", app=_Assets(directory=CONSOLE_DIR), name="assets"),
    ]
