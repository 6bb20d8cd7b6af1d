"""Group-buy (拼团) in chromium against a real deployment: viewer A opens a group, viewer B (another browser
context) opens the room with ?group=<id>, joins with a tap, and both pages show the group complete; the console
shows the deal with its completed group and the units left. Phone-sized (390x844) viewer pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect
from test_console_and_viewer import WAIT, artifact, console_page, watch_csp

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
    await console.screenshot(path=artifact(shots, "6-console.png"))
