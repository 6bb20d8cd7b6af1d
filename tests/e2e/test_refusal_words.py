"""Refusals reach a Chinese page as Chinese sentences from the page's own table: never the server's English
detail, never an internal id (lottery, sale, product or user ids).

A host provokes a second lottery while one is open (``busy``); a viewer comments faster than the per-user
bucket allows (``rate_limited``) and buys past the per-user limit (``limit_reached``). Each shown text must
equal the zh sentence of its code.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from livecore.auth import issue

WAIT = 20_000
LATIN_OR_ID = re.compile(r"[A-Za-z]")  # a Chinese sentence carries no Latin letters, so no English and no id


async def zh_text(page: Page, code: str) -> str:
    text: str = await page.evaluate("(c) => import('/assets/js/i18n.js').then((m) => m.reason(c, 'detail x1234abcd'))",
                                    code)
    return text


def assert_chinese(shown: str, expected: str) -> None:
    assert expected in shown, (shown, expected)
    assert not LATIN_OR_ID.search(shown), shown


async def test_refusals_are_translated_without_ids(browser: Browser, stack: Any, artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "host7", role="host", room="e2r", name="主播阿七")
    viewer_token = issue(secret, "v7", role="viewer", name="小七")
    stack.call("POST", "/api/rooms", {"id": "e2r", "title": "拒绝文案"}, host)
    product = stack.call("POST", "/api/rooms/e2r/products", {"title": "保温杯", "price": 5900}, host)
    stack.call("POST", "/api/rooms/e2r/live/start", {}, host)
    now = int(time.time() * 1000)
    stack.call("POST", "/api/rooms/e2r/sales", {"product": product["id"], "price": 3900, "quantity": 5,
                                                "ends_at": now + 600_000, "per_user": 1}, host)
    lottery = stack.call("POST", "/api/rooms/e2r/lotteries",
                         {"prize": "围巾", "keyword": "想要", "duration_s": 300}, host)

    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    con = await ctx.new_page()
    await con.goto(f"{stack.api_url}/console/?token={host}")
    await expect(con.locator("#conn")).to_have_text("已连接", timeout=WAIT)

    # -- host: a second lottery while one is open
    await con.click("[data-tab=lottery]")
    lform = con.locator("#lottery-form")
    await lform.locator("input[name=prize]").fill("第二个福袋")
    await lform.locator("input[name=keyword]").fill("再来")
    await lform.locator("input[name=duration]").fill("300")
    await lform.locator("button[type=submit]").click()
    outcome = lform.locator(".outcome.error")
    await expect(outcome).not_to_be_empty(timeout=WAIT)
    shown = await outcome.inner_text()
    assert_chinese(shown, await zh_text(con, "busy"))
    assert lottery["id"] not in shown
    await con.screenshot(path=str(artifacts_dir / "refusal-console-busy.png"))

    # -- viewer: comments too fast, then buys past the per-user limit
    vctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    viewer = await vctx.new_page()
    await viewer.goto(f"{stack.api_url}/room/e2r?token={viewer_token}")
    await expect(viewer.locator("#live-flag")).to_be_visible(timeout=WAIT)
    for i in range(12):
        await viewer.fill("#chat-input", f"第{i}条评论")
        await viewer.click("#chat-send")
        if await viewer.locator("#chat-error").inner_text():
            break
    await expect(viewer.locator("#chat-error")).not_to_be_empty(timeout=WAIT)
    assert_chinese(await viewer.locator("#chat-error").inner_text(), await zh_text(viewer, "rate_limited"))

    await expect(viewer.locator("#sale")).to_be_visible(timeout=WAIT)
    await viewer.click("#buy-btn")
    await expect(viewer.locator("#buy-result")).to_contain_text("已下单", timeout=WAIT)
    # the page knows the limit is reached: the button says so and cannot be pressed
    await expect(viewer.locator("#buy-btn")).to_be_disabled(timeout=WAIT)
    await expect(viewer.locator("#buy-btn")).to_have_text(await zh_text(viewer, "limit_reached"))
    # a reloaded page does not know it yet: the server's refusal is shown in words, and the button follows
    await viewer.reload()
    await expect(viewer.locator("#buy-btn")).to_be_enabled(timeout=WAIT)
    await viewer.click("#buy-btn")
    await expect(viewer.locator("#buy-result")).to_contain_text(await zh_text(viewer, "limit_reached"), timeout=WAIT)
    await expect(viewer.locator("#buy-btn")).to_be_disabled()
    assert not LATIN_OR_ID.search(await viewer.locator("#buy-result").inner_text())
    await viewer.screenshot(path=str(artifacts_dir / "refusal-viewer.png"))


async def test_every_refusal_code_has_both_languages(browser: Browser, stack: Any) -> None:
    """Every ErrorCode, every code the API and commerce raise and every close reason is in both tables."""
    from livecore.protocol.codes import ErrorCode
    codes = [c.value for c in ErrorCode] + ["busy", "expired", "in_use", "not_live", "threshold_not_met",
                                            "order_has_coupon", "wrong_room", "missing", "unauthorized",
                                            "token_expired", "room_forbidden", "flood", "kicked", "protocol_violation",
                                            "too_many_connections", "unsupported_data", "policy", "message_too_big",
                                            "closed"]
    page = await (await browser.new_context()).new_page()
    for lang in ("zh", "en"):
        await page.goto(f"{stack.api_url}/console/?lang={lang}")
        missing = await page.evaluate(
            "(codes) => import('/assets/js/i18n.js')"
            ".then((m) => codes.filter((c) => m.reason(c) === m.t('unknown_refusal')))",
            codes)
        assert missing == [], (lang, missing)
        detailed = await page.evaluate("() => import('/assets/js/i18n.js').then((m) =>"
                                       " m.reason('busy', 'lottery lt26a48f4c57fd is still open in this room'))")
        assert "lt26a48f4c57fd" not in detailed and "in this room" not in detailed
