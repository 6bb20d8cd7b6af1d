"""Group-buy (拼团) in chromium against a real deployment: viewer A opens a group, viewer B (another browser
context) opens the room with ?group=<id>, joins with a tap, and both pages show the group complete; each member pays
their order from the page; the console shows the deal with its completed group, the units left and the payments.
Phone-sized (390x844) viewer pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect
from test_console_and_viewer import CSP_VIOLATIONS, WAIT, artifact, console_page, wait_true, watch_csp

from livecore.auth import issue


async def phone(browser: Browser, url: str) -> Page:
    ctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = watch_csp(await ctx.new_page())
    await page.goto(url)
    return page


async def test_a_friend_joins_a_group_from_its_link(browser: Browser, stack: Any, artifacts_dir: Path) -> None:
    st = stack
    secret = st.settings.secret
    host = issue(secret, "hostG", role="host", room="gbe", name="主播")
    st.call("POST", "/api/rooms", {"id": "gbe", "title": "拼团专场"}, host)
    product = st.call("POST", "/api/rooms/gbe/products", {"title": "保温杯", "price": 9900}, host)
    st.call("POST", "/api/rooms/gbe/live/start", {}, host)
    deal = st.call("POST", "/api/rooms/gbe/groupbuys", {"product": product["id"], "price": 4900, "size": 2,
                                                        "units": 10, "fill_s": 600, "duration_s": 3600}, host)
    shots = artifacts_dir / "groupbuy"

    a = await phone(browser, f"{st.api_url}/room/gbe?token={issue(secret, 'va', name='小爱')}")
    await expect(a.get_by_test_id("gb-chip")).to_be_visible(timeout=WAIT)
    await expect(a.get_by_test_id("gb-chip")).to_contain_text("¥49")
    await a.get_by_test_id("gb-chip").click()
    await a.get_by_test_id("gb-open").click()
    mine = a.get_by_test_id("gb-mine")
    await expect(mine).to_be_visible(timeout=WAIT)
    await expect(mine.get_by_test_id("gb-status")).to_have_text("差1人成团")
    await expect(mine).to_contain_text("小爱")
    group = await mine.get_attribute("data-group")
    assert group and group.startswith(deal["id"] + "-")
    await a.screenshot(path=artifact(shots, "1-a-opened.png"))

    b = await phone(browser, f"{st.api_url}/room/gbe?share=x&group={group}&token={issue(secret, 'vb', name='阿波')}")
    linked = b.get_by_test_id("gb-linked")
    await expect(linked).to_be_visible(timeout=WAIT)
    await expect(linked).to_contain_text("好友邀请你参团")
    await expect(linked).to_contain_text("小爱")
    await expect(linked.get_by_test_id("gb-status")).to_have_text("差1人成团")
    await b.screenshot(path=artifact(shots, "2-b-invited.png"))
    await linked.get_by_test_id("gb-join-linked").click()

    await expect(linked.get_by_test_id("gb-status")).to_have_text("拼团成功", timeout=WAIT)
    await expect(linked).to_contain_text("阿波")
    await expect(mine.get_by_test_id("gb-status")).to_have_text("拼团成功", timeout=WAIT)  # A's page, live
    await expect(mine).to_contain_text("阿波")
    await b.screenshot(path=artifact(shots, "3-b-complete.png"))
    await a.screenshot(path=artifact(shots, "4-a-complete.png"))
    view = st.call("GET", f"/api/rooms/gbe/groups/{group}")
    assert view["status"] == "complete" and [m["name"] for m in view["members"]] == ["小爱", "阿波"]
    await expect(mine.get_by_test_id("gb-pay")).to_contain_text("¥49")  # A pays A's order, within the window
    await mine.get_by_test_id("gb-pay").click()
    await expect(mine.get_by_test_id("gb-paid")).to_have_text("已支付", timeout=WAIT)
    await expect(linked.get_by_test_id("gb-pay")).to_be_visible()  # B has not paid yet
    await a.screenshot(path=artifact(shots, "4b-a-paid.png"))
    payments = [m["payment"] for m in st.call("GET", f"/api/rooms/gbe/groups/{group}")["members"]]
    assert payments == ["paid", "due"]

    # a third viewer opening the same link later, in English: the group is complete, nothing to join
    c = await phone(browser, f"{st.api_url}/room/gbe?lang=en&group={group}&token={issue(secret, 'vc', name='Cara')}")
    late = c.get_by_test_id("gb-linked")
    await expect(late.get_by_test_id("gb-status")).to_have_text("Group complete", timeout=WAIT)
    await expect(late.get_by_test_id("gb-join-linked")).to_have_count(0)
    await expect(c.get_by_test_id("gb-open")).to_have_text("Start a group")
    await c.screenshot(path=artifact(shots, "5-c-late-en.png"))

    console = await console_page(browser, st, host)
    await console.locator(".tabs [data-tab=groupbuy]").click()
    row = console.get_by_test_id("gb-deal")
    await expect(row.get_by_test_id("gb-completed")).to_have_text("1", timeout=WAIT)
    await expect(row.get_by_test_id("gb-left")).to_have_text("8/10")
    await expect(row.locator(".gb-groups li")).to_contain_text("已成团")
    await expect(row.get_by_test_id("gb-paid")).to_have_text("1")
    await console.screenshot(path=artifact(shots, "6-console.png"))


async def test_a_friend_joins_through_the_copied_share_link_and_the_funnel_counts_it(browser: Browser, stack: Any,
                                                                                   artifacts_dir: Path) -> None:
    """The issue's must-show: A opens a group and copies its share link with the page's invite control; B opens the
    link in another context and joins; both pages show the group complete; B pays; the host's share funnel, open all
    along, shows B's visit, B's join and, once B has paid, B's order (GMV = the group price) without a reload."""
    st = stack
    secret = st.settings.secret
    host = issue(secret, "hostS", role="host", room="gbs", name="主播")
    st.call("POST", "/api/rooms", {"id": "gbs", "title": "拼团分享专场"}, host)
    product = st.call("POST", "/api/rooms/gbs/products", {"title": "蜂蜜 500g", "price": 6900}, host)
    st.call("POST", "/api/rooms/gbs/live/start", {}, host)
    st.call("POST", "/api/rooms/gbs/groupbuys", {"product": product["id"], "price": 3900, "size": 2, "units": 10,
                                                 "fill_s": 600, "duration_s": 3600}, host)
    shots = artifacts_dir / "groupbuy-share"

    console = await console_page(browser, st, host)
    await expect(console.locator("#conn")).to_have_text("已连接", timeout=WAIT)
    await console.click("[data-tab=share]")
    funnel = console.locator("#share-funnel tr[data-channel=link]")
    await expect(funnel.locator("td[data-step=visits]")).to_have_text("0", timeout=WAIT)

    actx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                     permissions=["clipboard-read", "clipboard-write"])
    a = watch_csp(await actx.new_page())
    await a.goto(f"{st.api_url}/room/gbs?token={issue(secret, 'sa', name='小爱')}")
    await a.get_by_test_id("gb-chip").click()
    await a.get_by_test_id("gb-open").click()
    mine = a.get_by_test_id("gb-mine")
    await expect(mine.get_by_test_id("gb-status")).to_have_text("差1人成团", timeout=WAIT)
    group = await mine.get_attribute("data-group")
    assert group
    await mine.get_by_test_id("gb-invite").click()
    field = mine.get_by_test_id("gb-link")
    await expect(field).to_be_visible(timeout=WAIT)
    link = await field.input_value()
    assert link.startswith(f"{st.api_url}/room/gbs?share=") and link.endswith(f"&group={group}"), link
    assert await a.evaluate("navigator.clipboard.readText()") == link  # what A pastes to a friend
    await expect(a.locator(".toast", has_text="链接已复制")).to_be_visible(timeout=WAIT)
    await a.screenshot(path=artifact(shots, "1-a-invite-copied.png"))

    bctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    b = watch_csp(await bctx.new_page())
    await b.goto(f"{link}&token={issue(secret, 'sb', name='阿波')}")
    linked = b.get_by_test_id("gb-linked")
    await expect(linked).to_contain_text("好友邀请你参团", timeout=WAIT)
    await expect(linked).to_contain_text("小爱")
    await wait_true(b, "document.body.dataset.shareVisit === 'new'", WAIT)  # the visit, attributed to A
    await b.screenshot(path=artifact(shots, "2-b-opened-link.png"))
    await linked.get_by_test_id("gb-join-linked").click()
    await expect(linked.get_by_test_id("gb-status")).to_have_text("拼团成功", timeout=WAIT)
    await expect(mine.get_by_test_id("gb-status")).to_have_text("拼团成功", timeout=WAIT)  # A's page, live
    await expect(mine).to_contain_text("阿波")
    await b.screenshot(path=artifact(shots, "3-b-complete.png"))
    await a.screenshot(path=artifact(shots, "4-a-complete.png"))

    # the console's share funnel moves on its own: B's visit and B's join; B's order once B has paid it
    for step, value in (("codes", "1"), ("shares", "1"), ("visits", "1"), ("new", "1"), ("joins", "1")):
        await expect(funnel.locator(f"td[data-step={step}]")).to_have_text(value, timeout=WAIT)
    await expect(funnel.locator("td[data-step=orders]")).to_have_text("0")  # confirmed, not paid yet
    await linked.get_by_test_id("gb-pay").click()
    await expect(linked.get_by_test_id("gb-paid")).to_be_visible(timeout=WAIT)
    await mine.get_by_test_id("gb-pay").click()
    await expect(mine.get_by_test_id("gb-paid")).to_be_visible(timeout=WAIT)
    for step, value in (("orders", "1"), ("gmv", "¥39")):
        await expect(funnel.locator(f"td[data-step={step}]")).to_have_text(value, timeout=WAIT)
    await expect(console.locator("#share-top li").first).to_contain_text("小爱")
    await console.screenshot(path=artifact(shots, "5-console-funnel.png"), full_page=True)
    credits = st.call("GET", "/api/rooms/gbs/share/funnel", None, host)
    assert (credits["total"]["orders"], credits["total"]["gmv"]) == (1, 3900)  # A's own order credits nobody
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS
    for ctx in (actx, bctx):
        await ctx.close()
