"""What a newcomer sees, in chromium, against a real demo-mode deployment: nothing dead is offered (a coupon
batch past its claim window leaves the page, the buy button says why it cannot be pressed), a lottery's result
pops up only for those who entered, people appear by name (with an ellipsis, not cut to four characters), the
pay button shows the price after the coupon, a mistyped room is "not found", and the console has a switch for
the demo's scripted host, a GMV axis wide enough for its labels and a report with the show's figures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_stack import Stack, running_stack
from playwright.async_api import Browser, Page, expect
from test_console_and_viewer import WAIT, artifact, console_page, wait_true, watch_csp

from livecore.auth import issue
from livecore.config import Settings


@pytest.fixture(scope="module")
def demo_stack(base_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The e2e stack in demo mode (the scripted host's switch exists there only)."""
    with running_stack(base_settings, tmp_path_factory.mktemp("e2e-demo-logs"), demo=True) as running:
        yield running


async def phone(browser: Browser, url: str) -> Page:
    ctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = watch_csp(await ctx.new_page())
    await page.goto(url)
    return page


async def test_the_viewer_is_offered_only_what_is_alive_and_sees_names(browser: Browser, demo_stack: Stack,
                                                                       artifacts_dir: Path) -> None:
    st = demo_stack
    secret = st.settings.secret
    host = issue(secret, "hostN", role="host", room="nv", name="主播")
    st.call("POST", "/api/rooms", {"id": "nv", "title": "新人视角"}, host)
    product = st.call("POST", "/api/rooms/nv/products", {"title": "保温杯", "price": 5900}, host)
    st.call("POST", f"/api/rooms/nv/products/{product['id']}/push", {}, host)
    st.call("POST", "/api/rooms/nv/live/start", {}, host)
    now = int(time.time() * 1000)
    short = st.call("POST", "/api/rooms/nv/coupons", {"kind": "fixed", "amount": 100, "total": 10,
                                                      "duration_s": 6, "valid_for_s": 600, "title": "限时一元"}, host)
    st.call("POST", "/api/rooms/nv/coupons", {"kind": "fixed", "amount": 500, "total": 10, "ends_at": now + 600_000,
                                              "valid_for_s": 600, "title": "立减五元"}, host)
    st.call("POST", "/api/rooms/nv/sales", {"product": product["id"], "price": 3990, "quantity": 5, "per_user": 1,
                                            "ends_at": now + 600_000}, host)

    a = await phone(browser, f"{st.api_url}/room/nv?token={issue(secret, 'bot12', name='甜甜圈爱好者')}")
    b = await phone(browser, f"{st.api_url}/room/nv?token={issue(secret, 'bot13', name='甜甜圈收藏家')}")
    for page in (a, b):
        await expect(page.locator("#live-flag")).to_be_visible(timeout=WAIT)

    # -- coupons: both claimable now; the short one leaves the page when its window closes, by the clock alone
    await expect(a.locator(".coupon-chip")).to_have_count(2, timeout=WAIT)
    await a.locator(".coupon-chip", has_text="立减五元").click()
    await expect(a.locator(".toast.ok")).to_contain_text("领取成功", timeout=WAIT)
    await expect(a.locator(".coupon-chip", has_text="限时一元")).to_have_count(0, timeout=WAIT)
    await expect(b.locator(".coupon-chip", has_text="限时一元")).to_have_count(0)
    listed = {x["id"]: x["status"] for x in st.call("GET", "/api/rooms/nv/coupons")}
    assert listed[short["id"]] == "ended"  # and the API no longer calls it active

    # -- buy once: the per-user limit is reached, the button says so; pay shows the price after the coupon
    await a.click("#buy-btn")
    await expect(a.locator("#buy-result")).to_contain_text("已下单", timeout=WAIT)
    await expect(a.locator("#buy-btn")).to_be_disabled(timeout=WAIT)
    await expect(a.locator("#buy-btn")).to_have_text("已达限购")
    await expect(a.locator("#buy-why")).to_have_text("每人限购1件")
    await a.click("#pay-btn")
    await expect(a.locator("#pay-coupon option")).to_have_count(2, timeout=WAIT)
    await expect(a.locator("#pay-confirm")).to_have_text("去支付 ¥34.90")  # 39.90 - 5
    await a.locator("#pay-coupon").select_option("")
    await expect(a.locator("#pay-confirm")).to_have_text("去支付 ¥39.90")
    await a.locator("#pay-coupon").select_option(index=1)
    await expect(a.locator("#pay-confirm")).to_have_text("去支付 ¥34.90")
    await a.click("#pay-confirm")
    await expect(a.locator("#buy-result")).to_contain_text("支付成功", timeout=WAIT)
    await expect(a.locator("#sheet")).to_be_hidden(timeout=WAIT)

    # -- gifts: the top 3 shows both givers by their whole names (an ellipsis in CSS, not four characters)
    for page, gift in ((a, "rocket"), (b, "rose")):
        await page.click("#gift-btn")
        await page.click(f".gift[data-gift={gift}]")
        await page.click("#gift-btn")
    await expect(b.locator("#top3 li")).to_have_count(2, timeout=WAIT)
    names = await b.locator("#top3 li .name").all_text_contents()
    assert names == ["甜甜圈爱好者", "甜甜圈收藏家"], names
    assert await b.locator("#top3 li .name").first.evaluate("(el) => getComputedStyle(el).textOverflow") == "ellipsis"

    # -- a keyword lottery: a enters, b does not; after the draw only a gets the result
    lottery = st.call("POST", "/api/rooms/nv/lotteries", {"prize": "围巾", "keyword": "想要", "duration_s": 300}, host)
    await expect(a.locator("#lottery-chip")).to_be_visible(timeout=WAIT)
    await expect(b.locator("#lottery-chip")).to_be_visible(timeout=WAIT)
    await a.click("#lottery-chip")
    await a.click("#lottery-go")
    await expect(a.locator("#lottery-outcome")).to_contain_text("已参与", timeout=WAIT)
    await a.click("#sheet-close")
    await wait_true(b, "document.body.dataset.joined >= '1'")
    st.call("POST", f"/api/rooms/nv/lotteries/{lottery['id']}/draw", {}, host)
    await expect(a.locator("#lottery-result")).to_contain_text("恭喜中奖", timeout=WAIT)  # the only entrant
    await expect(a.locator(".winner-names")).to_contain_text("甜甜圈爱好者")
    await expect(b.locator("#lottery-chip .when")).to_have_text("已开奖", timeout=WAIT)
    await asyncio.sleep(1.0)
    await expect(b.locator("#sheet")).to_be_hidden()  # nothing covers b's page
    await b.click("#lottery-chip")  # b may still look: drawn, with the winner's name, no "you lost"
    await expect(b.locator("#lottery-result")).to_have_text("🎁 福袋已开奖")
    await expect(b.locator(".winner-names")).to_contain_text("甜甜圈爱好者")
    await b.click("#sheet-close")
    await a.click("#sheet-close")
    await a.screenshot(path=artifact(artifacts_dir, "newcomer-viewer-a.png"))
    await b.screenshot(path=artifact(artifacts_dir, "newcomer-viewer-b.png"))

    # -- a mistyped room: the page says it does not exist
    lost = await phone(browser, f"{st.api_url}/room/nv-typo?token={issue(secret, 'v5', name='小五')}")
    await expect(lost.locator("#conn")).to_have_attribute("data-code", "not_found", timeout=WAIT)
    await expect(lost.locator("#conn")).to_contain_text("直播间不存在")
    await lost.screenshot(path=artifact(artifacts_dir, "newcomer-room-not-found.png"))


async def test_the_console_switches_the_demo_host_and_shows_names_axes_and_figures(
        browser: Browser, demo_stack: Stack, artifacts_dir: Path) -> None:
    st = demo_stack
    secret = st.settings.secret
    host = issue(secret, "hostC", role="host", room="nc", name="主播")
    st.call("POST", "/api/rooms", {"id": "nc", "title": "控制台"}, host)
    st.call("POST", "/api/rooms/nc/demo/host", {"mode": "running"}, host)
    con = await console_page(browser, st, host)
    switch = con.locator("#demo-host-btn")
    await expect(switch).to_be_visible(timeout=WAIT)
    await expect(switch).to_contain_text("演示脚本运行中")
    await switch.click()
    await expect(switch).to_contain_text("演示脚本已暂停", timeout=WAIT)
    assert st.call("GET", "/api/rooms/nc")["demo_host"] == "paused"
    await switch.click()
    await expect(switch).to_contain_text("演示脚本运行中", timeout=WAIT)
    assert st.call("GET", "/api/rooms/nc")["demo_host"] == "running"

    # a room without a scripted host has no switch
    other = issue(secret, "hostD", role="host", room="nd", name="主播")
    st.call("POST", "/api/rooms", {"id": "nd", "title": "无脚本"}, other)
    con2 = await console_page(browser, st, other)
    await expect(con2.locator("#room-name")).to_have_text("无脚本", timeout=WAIT)
    await expect(con2.locator("#demo-host-btn")).to_be_hidden()

    # the muted list names the viewer (their name came with their join)
    viewer = await phone(browser, f"{st.api_url}/room/nc?token={issue(secret, 'bot7', name='七号观众')}")
    await expect(viewer.locator("#conn")).to_have_text("", timeout=WAIT)
    await wait_true(viewer, "document.body.dataset.joined >= '1'")
    st.call("POST", "/api/rooms/nc/mute", {"user": "bot7", "seconds": 60}, host)
    await con.reload()
    await expect(con.locator("#muted li[data-user=bot7]")).to_contain_text("七号观众", timeout=WAIT)

    # the GMV axis is as wide as its labels: ¥12345.67 is not clipped
    width = await con.evaluate("""async () => {
        const { lineChart } = await import('/assets/js/charts.js');
        const cv = document.getElementById('chart-gmv');
        const money = (v) => '¥' + (v / 100).toFixed(2);
        lineChart(cv, [[Date.now() - 60000, 0], [Date.now(), 1234567]], { format: money, minMax: 10000 });
        const ctx = cv.getContext('2d');
        ctx.font = '11px system-ui, sans-serif';
        return [Number(cv.dataset.axisWidth), ctx.measureText(money(1234567)).width];
    }""")
    assert width[0] >= width[1] + 4, width

    # a session, ended: the report opens with its figures
    st.call("POST", "/api/rooms/nc/live/start", {}, host)
    con.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await con.reload()
    await expect(con.locator("#live-badge")).to_contain_text("直播中", timeout=WAIT)
    await con.click("#live-btn")
    await expect(con.locator("#live-badge")).to_have_text("未开播", timeout=WAIT)
    await con.click("[data-tab=report]")
    await con.locator("#sessions li[data-session] button").first.click()
    for fig in ("gmv", "orders", "peak_online", "duration_s", "avg_watch_s"):
        await expect(con.locator(f"#report .report-fig[data-fig={fig}] b")).not_to_be_empty(timeout=WAIT)
    await wait_true(con, "document.querySelector('#report img.report-png')?.naturalWidth > 100")
    src = await con.locator("#report img.report-png").get_attribute("src")
    assert src is not None and "lang=zh" in src
    await con.screenshot(path=artifact(artifacts_dir, "newcomer-console.png"), full_page=True)
