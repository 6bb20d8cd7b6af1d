"""Share attribution in chromium, against a real gateway, API and worker.

Viewer A (a phone-sized context) copies a WeChat share link from the share widget; viewer B (another context)
opens it, buys in a flash sale and pays; the host's console shows, in the share panel's funnel, B's visit, the new
viewer, and the credited order with its amount, and A by name among the top referrers. Screenshots go to the
artifacts folder the test session prints.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect
from test_console_and_viewer import CSP_VIOLATIONS, artifact, console_page, wait_true, watch_csp

from livecore.auth import issue

WAIT = 30_000  # ms: generous, the machine is shared


async def test_a_share_link_brings_a_visit_and_an_order_to_the_funnel(browser: Browser, stack: Any,
                                                                      artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "hs1", role="host", room="e2s", name="主播小雅")
    a_token = issue(secret, "sa", role="viewer", name="分享达人阿花")
    b_token = issue(secret, "sb", role="viewer", name="新朋友小白")
    stack.call("POST", "/api/rooms", {"id": "e2s", "title": "分享专场"}, host)
    product = stack.call("POST", "/api/rooms/e2s/products", {"title": "蜂蜜 500g", "price": 4900}, host)
    stack.call("POST", "/api/rooms/e2s/live/start", {}, host)
    stack.call("POST", "/api/rooms/e2s/sales", {"product": product["id"], "price": 2990, "quantity": 10,
                                                "per_user": 1, "ends_at": int(time.time() * 1000) + 600_000}, host)

    # -- viewer A copies a WeChat share link
    actx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                     permissions=["clipboard-read", "clipboard-write"])
    a = watch_csp(await actx.new_page())
    await a.goto(f"{stack.api_url}/room/e2s?token={a_token}")
    await expect(a.locator("#live-flag")).to_be_visible(timeout=WAIT)
    await a.click("#share-chip")
    await expect(a.locator("#share-panel")).to_be_visible(timeout=WAIT)
    await a.click("#share-panel [data-channel=wechat]")
    field = a.locator("#share-link")
    await expect(field).to_be_visible(timeout=WAIT)
    link = await field.input_value()
    assert link.startswith(f"{stack.api_url}/room/e2s?share="), link
    code = link.split("share=", 1)[1]
    assert code.isalnum() and 16 <= len(code) <= 26, code
    await expect(a.locator(".toast")).to_contain_text("链接", timeout=WAIT)
    await a.screenshot(path=artifact(artifacts_dir, "share-a-copied.png"))

    # -- viewer B opens the link in another context, buys and pays
    bctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    b = watch_csp(await bctx.new_page())
    await b.goto(f"{link}&token={b_token}")
    await expect(b.locator("#live-flag")).to_be_visible(timeout=WAIT)
    await wait_true(b, "document.body.dataset.shareVisit === 'new'", WAIT)
    await expect(b.locator("#sale")).to_be_visible(timeout=WAIT)
    await b.click("#buy-btn")
    await expect(b.locator("#buy-result")).to_contain_text("已下单", timeout=WAIT)
    await b.click("#pay-btn")
    await expect(b.locator("#pay-confirm")).to_have_text("去支付 ¥29.90", timeout=WAIT)
    await b.click("#pay-confirm")
    await expect(b.locator("#buy-result")).to_contain_text("支付成功", timeout=WAIT)
    await b.screenshot(path=artifact(artifacts_dir, "share-b-paid.png"))

    # -- A opening their own link is refused with a sentence, not counted
    own = watch_csp(await actx.new_page())
    await own.goto(f"{link}&token={a_token}")
    await wait_true(own, "document.body.dataset.shareVisit === 'self_referral'", WAIT)
    await expect(own.locator(".toast")).to_contain_text("你自己的分享链接", timeout=WAIT)

    # -- the host's console: the share funnel counts B's visit and order
    con = await console_page(browser, stack, host)
    await expect(con.locator("#conn")).to_have_text("已连接", timeout=WAIT)
    await con.click("[data-tab=share]")
    wechat = con.locator("#share-funnel tr[data-channel=wechat]")
    await expect(wechat.locator("td[data-step=visits]")).to_have_text("1", timeout=WAIT)
    await expect(wechat.locator("td[data-step=new]")).to_have_text("1", timeout=WAIT)
    await expect(wechat.locator("td[data-step=orders]")).to_have_text("1", timeout=WAIT)
    await expect(wechat.locator("td[data-step=gmv]")).to_have_text("¥29.90", timeout=WAIT)
    await expect(wechat.locator("td[data-step=codes]")).to_have_text("1")
    await expect(wechat.locator("td[data-step=shares]")).to_have_text("1", timeout=WAIT)
    await expect(con.locator("#share-fission")).to_have_text("1.00")
    await expect(con.locator("#share-top li").first).to_contain_text("分享达人阿花")
    await con.screenshot(path=artifact(artifacts_dir, "share-console-funnel.png"), full_page=True)
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS
    for ctx in (actx, bctx):
        await ctx.close()


async def test_a_friend_helps_from_a_help_link_and_the_asker_sees_it(browser: Browser, stack: Any,
                                                                    artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "hh1", role="host", room="e2h", name="主播小禾")
    asker = issue(secret, "ha", role="viewer", name="求助的小安")
    friend = issue(secret, "hf", role="viewer", name="热心的小福")
    stack.call("POST", "/api/rooms", {"id": "e2h", "title": "助力专场"}, host)
    stack.call("POST", "/api/rooms/e2h/live/start", {}, host)
    coupon = {"kind": "fixed", "amount": 500, "total": 10, "duration_s": 600, "valid_for_s": 600, "title": "5元券"}
    batch = stack.call("POST", "/api/rooms/e2h/coupons", coupon, host)
    stack.call("POST", "/api/rooms/e2h/share/help", {"batch": batch["id"], "need": 1}, host)

    actx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                     permissions=["clipboard-read", "clipboard-write"])
    a = watch_csp(await actx.new_page())
    await a.goto(f"{stack.api_url}/room/e2h?token={asker}")
    await expect(a.locator("#live-flag")).to_be_visible(timeout=WAIT)
    await a.click("#share-chip")
    await expect(a.locator("#share-help-line")).to_have_text("已有 0 位好友助力，还差 1 位", timeout=WAIT)
    await a.click(".share-help-invite")
    await expect(a.locator("#share-link")).to_have_value(re.compile(r"/room/e2h\?help=[0-9A-Za-z]+$"), timeout=WAIT)
    help_link = await a.locator("#share-link").input_value()
    await a.screenshot(path=artifact(artifacts_dir, "share-help-asker.png"))

    fctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    f = watch_csp(await fctx.new_page())
    await f.goto(f"{help_link}&token={friend}")
    await expect(f.locator("#live-flag")).to_be_visible(timeout=WAIT)
    await f.click("#share-help-friend")
    await expect(f.locator(".share-help-note")).to_contain_text("助力成功", timeout=WAIT)
    await f.screenshot(path=artifact(artifacts_dir, "share-help-friend.png"))

    await expect(a.locator("#share-help-line")).to_have_text("助力完成，优惠券已到账", timeout=WAIT)
    mine = stack.call("GET", "/api/rooms/e2h/coupons/mine", None, asker)
    assert [c["batch"] for c in (mine if isinstance(mine, list) else mine["coupons"])] == [batch["id"]], mine
    await a.screenshot(path=artifact(artifacts_dir, "share-help-unlocked.png"))
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS
    for ctx in (actx, fctx):
        await ctx.close()
