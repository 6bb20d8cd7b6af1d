"""What a host and a viewer see, in chromium, against a real gateway, API and worker.

The host signs in, goes live, pushes a product and starts a flash sale from the console; a viewer page (a
second browser context, phone-sized) sees the product and the countdown, buys and sees "ordered", pays; the
console's sold and stock figures change without a reload. Then a lottery with a keyword condition: the viewer
enters by commenting the keyword, the host draws, the viewer sees the result, the console shows the seed hash,
the seed and a verification that recomputes the winners. Then the host mutes the viewer, whose next comment
is refused with a visible reason. Screenshots go to the artifacts folder the test session prints.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from livecore.auth import issue
from livecore.demo.bots import run_bots


def artifact(directory: Path, name: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    return str(directory / name)


def yuan(text: str) -> float:
    """A money figure as the console shows it (``¥34.9``) in yuan."""
    return float(text.replace("¥", "").replace(",", "").strip())


WAIT = 20_000  # ms: generous, the machine is shared


# what the browser reports when the pages' Content-Security-Policy blocks something they do
CSP_VIOLATIONS: list[str] = []


def watch_csp(page: Page) -> Page:
    page.on("console", lambda m: CSP_VIOLATIONS.append(m.text) if "Content Security Policy" in m.text else None)
    return page


async def wait_true(page: Page, expression: str, timeout_ms: int = WAIT) -> None:
    """Poll ``expression`` in the page until it is true (``page.evaluate`` works under the pages' CSP, which
    forbids the string evaluation ``wait_for_function`` relies on)."""
    deadline = asyncio.get_running_loop().time() + timeout_ms / 1000
    while not await page.evaluate(expression):
        assert asyncio.get_running_loop().time() < deadline, f"not true within {timeout_ms} ms: {expression}"
        await asyncio.sleep(0.1)


async def console_page(browser: Browser, stack: Any, token: str, query: str = "") -> Page:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = watch_csp(await ctx.new_page())
    await page.goto(f"{stack.api_url}/console/?token={token}{query}")
    return page


async def test_host_and_viewer_in_the_browser(browser: Browser, stack: Any, artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "host1", role="host", room="e2e", name="主播小美")
    viewer_token = issue(secret, "v1", role="viewer", name="小明")
    stack.call("POST", "/api/rooms", {"id": "e2e", "title": "春季上新专场"}, host)
    product = stack.call("POST", "/api/rooms/e2e/products",
                         {"title": "保温杯 500ml", "price": 5900, "list_price": 9900}, host)
    stack.call("POST", "/api/rooms/e2e/products", {"title": "羊毛围巾", "price": 12900}, host)

    # -- the host signs in and goes live
    con = await console_page(browser, stack, host)
    await expect(con.locator("#room-name")).to_have_text("春季上新专场", timeout=WAIT)
    await expect(con.locator("#conn")).to_have_text("已连接", timeout=WAIT)
    await con.click("#live-btn")
    await expect(con.locator("#live-badge")).to_contain_text("直播中", timeout=WAIT)

    # -- a viewer opens the room on a phone
    vctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    viewer = watch_csp(await vctx.new_page())
    await viewer.goto(f"{stack.api_url}/room/e2e?token={viewer_token}")
    await expect(viewer.locator("#room-title")).to_have_text("春季上新专场", timeout=WAIT)
    await expect(viewer.locator("#live-flag")).to_be_visible(timeout=WAIT)

    # -- push a product to screen: the viewer sees it with its price
    await con.click(f"li[data-product='{product['id']}'] button[data-action=push]")
    await expect(con.locator("#screen-now")).to_contain_text("保温杯 500ml", timeout=WAIT)
    await expect(viewer.locator("#product")).to_be_visible(timeout=WAIT)
    await expect(viewer.locator("#product-title")).to_have_text("保温杯 500ml")
    await expect(viewer.locator("#product-price")).to_have_text("¥59")

    # -- issue a coupon batch; the viewer claims one; the console's claimed count moves
    await con.click("[data-tab=coupons]")
    cform = con.locator("#coupon-form")
    await cform.locator("select[name=kind]").select_option("fixed")
    await cform.locator("input[name=amount]").fill("5")
    await cform.locator("input[name=total]").fill("10")
    await cform.locator("button[type=submit]").click()
    batch = con.locator("#coupons li[data-batch]").first
    await expect(batch.locator(".claimed")).to_have_text("0", timeout=WAIT)
    await viewer.locator(".coupon-chip").first.click()
    await expect(viewer.locator(".toast.ok")).to_contain_text("领取成功", timeout=WAIT)
    await expect(batch.locator(".claimed")).to_have_text("1", timeout=WAIT)

    # -- start a flash sale from the console
    await con.click("[data-tab=sales]")
    form = con.locator("#sale-form")
    await form.locator("select[name=product]").select_option(product["id"])
    await form.locator("input[name=price]").fill("39.9")
    await form.locator("input[name=quantity]").fill("5")
    await form.locator("input[name=duration]").fill("600")
    await form.locator("button[value='1']").click()
    sale_row = con.locator("#sales li.sale-item").first
    await expect(sale_row.locator(".stock")).to_have_text("5", timeout=WAIT)
    await expect(sale_row.locator(".sold")).to_have_text("0")

    # -- the viewer sees the sale with a countdown and a stock bar, buys, sees "ordered"
    await expect(viewer.locator("#sale")).to_be_visible(timeout=WAIT)
    await expect(viewer.locator("#sale-price")).to_have_text("¥39.90")
    await expect(viewer.locator("#sale-clock")).to_have_text(re.compile(r"距结束 \d\d:\d\d"), timeout=WAIT)
    await expect(viewer.locator("#sale-stock")).to_contain_text("5 / 5")
    await viewer.click("#buy-btn")
    await expect(viewer.locator("#buy-result")).to_contain_text("已下单", timeout=WAIT)

    # -- the console's sold and stock move without a reload
    await expect(sale_row.locator(".sold")).to_have_text("1", timeout=WAIT)
    await expect(sale_row.locator(".stock")).to_have_text("4")
    await expect(viewer.locator("#sale-stock")).to_contain_text("4 / 5", timeout=WAIT)

    # -- the pay step
    await viewer.click("#pay-btn")
    await expect(viewer.locator("#pay-coupon option")).to_have_count(2, timeout=WAIT)  # none + the claimed one
    await expect(viewer.locator("#pay-coupon")).not_to_have_value("")  # the best coupon is preselected
    await expect(viewer.locator("#pay-confirm")).to_have_text("去支付 ¥34.90")  # the price after the coupon
    await viewer.click("#pay-confirm")
    await expect(viewer.locator("#sheet .outcome")).to_contain_text("¥34.90", timeout=WAIT)  # 39.90 - 5
    await expect(viewer.locator("#buy-result")).to_contain_text("支付成功", timeout=WAIT)

    # -- the per-user limit is reached: the button says so and cannot be pressed
    await expect(viewer.locator("#buy-btn")).to_be_disabled(timeout=WAIT)
    await expect(viewer.locator("#buy-btn")).to_have_text("已达限购")

    # -- a lottery: open, the viewer enters by commenting the keyword, draw, result, verification
    await con.click("[data-tab=lottery]")
    lform = con.locator("#lottery-form")
    await lform.locator("input[name=prize]").fill("保温杯一个")
    await lform.locator("select[name=condition]").select_option("keyword")
    await lform.locator("input[name=keyword]").fill("想要福袋")
    await lform.locator("input[name=duration]").fill("300")
    await lform.locator("button[type=submit]").click()
    card = con.locator("#lottery-now .lottery-card")
    await expect(card.locator(".seed-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"), timeout=WAIT)
    seed_hash = await card.locator(".seed-hash").inner_text()

    await expect(viewer.locator("#lottery-chip")).to_be_visible(timeout=WAIT)
    await viewer.click("#lottery-chip")
    await viewer.click("#lottery-go")
    await expect(viewer.locator("#lottery-outcome")).to_contain_text("已参与", timeout=WAIT)
    await viewer.click("#sheet-close")
    await expect(card.locator(".entries")).to_have_text("1", timeout=WAIT)

    await card.locator(".draw-btn").click()
    drawn = con.locator("#lottery-now .lottery-card[data-status=drawn]")
    await expect(drawn.locator(".winner-list")).to_have_text("小明", timeout=WAIT)  # the name, not the id v1
    await expect(drawn.locator(".seed-hash")).to_have_text(seed_hash)
    await expect(drawn.locator(".seed")).to_have_text(re.compile(r"^[0-9a-f]{16,}$"))
    await expect(drawn.locator("a.verify-link")).to_have_attribute("href", re.compile(r"^/api/lotteries/.+/verify$"))
    await drawn.locator(".verify button").click()
    await expect(drawn.locator(".verify-out")).to_contain_text("验证通过", timeout=WAIT)
    await expect(viewer.locator("#lottery-result")).to_contain_text("恭喜中奖", timeout=WAIT)
    await viewer.click("#sheet-close")

    # -- a gift from the tray reaches the host's stream
    await viewer.click("#gift-btn")
    await viewer.click(".gift[data-gift=rose]")
    await expect(con.locator("#stream li.msg.gift").first).to_contain_text("小明 送出 玫瑰", timeout=WAIT)

    # -- the host pins the viewer's comment (置顶): every viewer sees it above the barrage
    msg = con.locator("#stream li.msg[data-user=v1]").first
    await expect(msg).to_be_visible(timeout=WAIT)
    await msg.locator("button[data-action=pin]").click()
    await expect(viewer.locator("#pinned")).to_contain_text("小明：想要福袋", timeout=WAIT)
    await expect(con.locator("#pinned-now")).to_contain_text("想要福袋")

    # -- the host mutes the viewer from the barrage stream; the next comment is refused with the reason
    await msg.locator("button[data-action=mute]").click()
    await expect(con.locator("#muted li[data-user=v1]")).to_be_visible(timeout=WAIT)
    await viewer.fill("#chat-input", "还有货吗")
    await viewer.click("#chat-send")
    await expect(viewer.locator("#chat-error")).to_contain_text("你已被主播禁言", timeout=WAIT)
    await expect(viewer.locator("#chat-input")).to_have_value("还有货吗")  # nothing silently lost

    # -- the host deletes the comment: it disappears from the viewer's barrage
    await expect(viewer.locator("#barrage li", has_text="想要福袋")).to_have_count(1)
    await msg.locator("button[data-action=delete]").click()
    await expect(viewer.locator("#barrage li", has_text="想要福袋")).to_have_count(0, timeout=WAIT)
    await expect(msg).to_have_class(re.compile(r"\bdeleted\b"))

    # -- a room with life in it: bots chat, like, give gifts; two console screenshots seconds apart
    stop = asyncio.Event()
    bots = asyncio.create_task(run_bots(6, stack.gateway_url, stack.api_url, "e2e", secret, stop, pace=0.4))
    try:
        await expect(con.locator("#stream li.msg").nth(8)).to_be_visible(timeout=WAIT)
        await con.click("[data-tab=sales]")
        # the bots buy what is left of the sale: the dashboard counts every order of the show (the viewer's
        # first one too, placed seconds after going live), its GMV, funnel, rankings and keywords fill in
        await expect(sale_row.locator(".sold")).to_have_text("5", timeout=WAIT)
        await expect(con.locator("#m-orders")).to_have_text("5", timeout=WAIT)
        await expect(con.locator("#funnel [data-step=ordered] b")).to_have_text("5", timeout=WAIT)
        await expect(con.locator("#m-gmv")).not_to_have_text("¥0", timeout=WAIT)
        assert yuan(await con.locator("#m-gmv").inner_text()) >= 34.90  # at least the viewer's payment
        await expect(con.locator("#contributors li").first).to_be_visible(timeout=WAIT)
        await expect(con.locator("#product-rank li").first).to_contain_text("保温杯 500ml", timeout=WAIT)
        # one product sold: its ranking figure and the GMV tile agree (once the last payments are counted)
        await wait_true(con, "document.querySelector('#product-rank li span:last-child')?.textContent"
                             " === document.querySelector('#m-gmv').textContent")
        await expect(con.locator("#cloud span").first).to_be_visible(timeout=WAIT)
        likes_1 = await con.locator("#m-likes").inner_text()
        shot_1 = artifact(artifacts_dir, "console-dashboard-1.png")
        await con.screenshot(path=shot_1)
        await expect(con.locator("#m-likes")).not_to_have_text(likes_1, timeout=WAIT)
        await asyncio.sleep(2)
        likes_2 = await con.locator("#m-likes").inner_text()
        shot_2 = artifact(artifacts_dir, "console-dashboard-2.png")
        await con.screenshot(path=shot_2)
        await viewer.screenshot(path=artifact(artifacts_dir, "viewer-390x844.png"))
    finally:
        stop.set()
        await asyncio.wait_for(bots, 30)
    assert int(likes_2.replace(",", "")) > int(likes_1.replace(",", ""))
    assert Path(shot_1).read_bytes() != Path(shot_2).read_bytes()

    # -- the host ends the session; the viewer is told; the post-live report shows its charts
    con.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await con.click("#live-btn")
    await expect(con.locator("#live-badge")).to_have_text("未开播", timeout=WAIT)
    await expect(viewer.locator("#ended")).to_be_visible(timeout=WAIT)
    await con.click("[data-tab=report]")
    await con.locator("#sessions li[data-session] button").first.click()
    await expect(con.locator("#report canvas.report-chart")).to_have_count(4, timeout=WAIT)
    await wait_true(con, "document.querySelector('#report img.report-png')?.naturalWidth > 100")
    await con.screenshot(path=artifact(artifacts_dir, "console-report.png"))
    assert CSP_VIOLATIONS == []  # the pages did everything above under their content security policy


async def test_viewer_resumes_after_a_network_drop(browser: Browser, stack: Any) -> None:
    secret = stack.settings.secret
    host = issue(secret, "host2", role="host", room="e2e-drop")
    stack.call("POST", "/api/rooms", {"id": "e2e-drop", "title": "断线重连"}, host)
    a = stack.call("POST", "/api/rooms/e2e-drop/products", {"title": "商品A", "price": 100}, host)
    b = stack.call("POST", "/api/rooms/e2e-drop/products", {"title": "商品B", "price": 200}, host)
    stack.call("POST", f"/api/rooms/e2e-drop/products/{a['id']}/push", {}, host)
    ctx = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await ctx.new_page()
    await page.goto(f"{stack.api_url}/room/e2e-drop?token={issue(secret, 'v9', name='小九')}&lang=en")
    await expect(page.locator("#product-title")).to_have_text("商品A", timeout=WAIT)
    # the socket drops; while it is down the host pushes another product
    await page.evaluate("window.livecoreViewer.socket.drop()")
    stack.call("POST", f"/api/rooms/e2e-drop/products/{b['id']}/push", {}, host)
    await expect(page.locator("body")).to_have_attribute("data-resumed", "1", timeout=WAIT)
    await expect(page.locator("#product-title")).to_have_text("商品B", timeout=WAIT)
    await expect(page.locator("#conn")).to_have_text("")


async def test_console_refuses_a_host_of_another_room(browser: Browser, stack: Any) -> None:
    secret = stack.settings.secret
    owner = issue(secret, "hostA", role="host", room="room-a")
    stack.call("POST", "/api/rooms", {"id": "room-a", "title": "A"}, owner)
    intruder = issue(secret, "hostB", role="host", room="room-b", name="别人")
    page = await console_page(browser, stack, intruder, "&room=room-a")
    await expect(page.locator("#refusal")).to_contain_text("已拒绝", timeout=WAIT)
    await expect(page.locator("#refusal")).to_contain_text("room-a")
    await expect(page.locator("#app")).to_be_hidden()
    # and nothing it might try over HTTP works either
    try:
        stack.call("POST", "/api/rooms/room-a/live/start", {}, intruder)
    except AssertionError as exc:
        assert "403" in str(exc)
    else:
        raise AssertionError("a host of room-b started room-a")


async def test_scheduled_sale_started_early_then_stopped(browser: Browser, stack: Any) -> None:
    secret = stack.settings.secret
    host = issue(secret, "host3", role="host", room="e2e-sched", name="主播")
    stack.call("POST", "/api/rooms", {"id": "e2e-sched", "title": "定时秒杀"}, host)
    p = stack.call("POST", "/api/rooms/e2e-sched/products", {"title": "坚果礼盒", "price": 9900}, host)
    stack.call("POST", f"/api/rooms/e2e-sched/products/{p['id']}/push", {}, host)
    con = await console_page(browser, stack, host)
    vctx = await browser.new_context(viewport={"width": 390, "height": 844})
    viewer = watch_csp(await vctx.new_page())
    await viewer.goto(f"{stack.api_url}/room/e2e-sched?token={issue(secret, 'v3', name='小三')}")
    await con.click("[data-tab=sales]")
    form = con.locator("#sale-form")
    await form.locator("input[name=price]").fill("59")
    await form.locator("input[name=start_in]").fill("120")
    await form.locator("button[value='0']").click()  # schedule
    row = con.locator("#sales li.sale-item").first
    await expect(row).to_have_attribute("data-phase", "scheduled", timeout=WAIT)
    await expect(viewer.locator("#sale-clock")).to_have_text(re.compile(r"距开始 0[12]:\d\d"), timeout=WAIT)
    await expect(viewer.locator("#buy-btn")).to_be_disabled()
    await row.get_by_role("button", name="立即开始").click()
    await expect(row).to_have_attribute("data-phase", "started", timeout=WAIT)
    await expect(viewer.locator("#buy-btn")).to_be_enabled(timeout=WAIT)
    await row.get_by_role("button", name="提前结束").click()
    await expect(row).to_have_attribute("data-phase", "ended", timeout=WAIT)
    await expect(viewer.locator("#sale")).to_be_hidden(timeout=WAIT)
