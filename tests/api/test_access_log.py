"""The API's access log (Common Log Format, tokens redacted) and its favicon."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import httpx

from livecore.api.access_log import clf_line, redact
from livecore.api.app import build_app

CLF = re.compile(r'^\S+ - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "[A-Z]+ \S+ HTTP/[\d.]+" \d{3} (\d+|-)$')


def test_lines_are_common_log_format_without_tokens() -> None:
    when = datetime(2026, 12, 7, 6, 30, tzinfo=UTC)
    line = clf_line("10.0.0.1", "GET", "/console/", "token=eyJ.abc&lang=en", "1.1", 200, 512, when)
    assert line == '10.0.0.1 - - [07/Dec/2026:06:30:00 +0000] "GET /console/?token=REDACTED&lang=en HTTP/1.1" 200 512'
    assert CLF.match(line)
    assert redact("a=1&token=x") == "a=1&token=REDACTED" and redact("mytoken=x") == "mytoken=x"
    assert clf_line("", "HEAD", "/", "", "1.1", 304, 0, when).endswith('"HEAD / HTTP/1.1" 304 -')


async def test_every_request_is_logged_and_the_favicon_is_served(settings, migrated, redis, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO, logger="livecore.access")
    app = build_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 4321)), base_url="http://api.test") as api:
        icon = await api.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.content.startswith(b"<svg")
        assert (await api.get("/favicon.svg")).content == icon.content
        assert (await api.get("/api/rooms/nope", params={"token": "secret-token"})).status_code == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "livecore.access"]
    assert len(lines) == 3 and all(CLF.match(line) for line in lines), lines
    assert '"GET /favicon.ico HTTP/1.1" 200 ' in lines[0] and lines[0].startswith("127.0.0.1 - - [")
    assert '"GET /api/rooms/nope?token=REDACTED HTTP/1.1" 404 ' in lines[2] and "secret-token" not in lines[2]

    quiet = build_app(settings.with_(access_log=False))
    caplog.clear()
    async with quiet.router.lifespan_context(quiet), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=quiet), base_url="http://api.test") as api:
        await api.get("/favicon.ico")
    assert not [r for r in caplog.records if r.name == "livecore.access"]
