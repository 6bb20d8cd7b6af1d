"""Polls in chromium against a real gateway, API and worker: the host opens a quiz in the console, a viewer on
a phone-sized page votes, the console's tally moves without a reload (also for votes from other viewers), the
host closes it and the viewer sees the result and the answer. Screenshots go to the artifacts folder."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, expect
from test_console_and_viewer import WAIT, artifact, console_page, watch_csp

from livecore.auth import issue
from livecore.client import LiveClient
from livecore.features.polls.messages import Vote
from livecore.protocol.server import Result


async def test_host_opens_a_quiz_a_viewer_votes_and_sees_the_result(browser: Browser, stack: Any,
                                                                    artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "host-p", role="host", room="e2e-poll", name="主播")
    stack.call("POST", "/api/rooms", {"id": "e2e-poll", "title": "答题抽奖专场"}, host)

    con = await console_page(browser, stack, host)
    await expect(con.locator("#conn")).to_have_text("已连接", timeout=WAIT)
    await con.click("[data-tab=polls]")
    form = con.locator("#poll-form")
    await form.locator("input[name=question]").fill("这件外套的面料是?")
    for i, text in enumerate(["棉", "羊毛", "涤纶"]):
        await form.locator(f"input[name=o{i}]").fill(text)
    await form.locator("input[name=duration_s]").fill("300")
    await form.locator("select[name=correct]").select_option(value="1")  # the second option, 羊毛
    await form.locator("button[type=submit]").click()
    tally_b = con.locator("#poll-now [data-option=b] .poll-votes")
    await expect(tally_b).to_have_text("0 票 · 0%", timeout=WAIT)

    vctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    viewer = watch_csp(await vctx.new_page())
    await viewer.goto(f"{stack.api_url}/room/e2e-poll?token={issue(secret, 'pv1', name='小红')}")
    widget = viewer.locator("[data-testid=poll-widget]")
    await expect(widget).to_be_visible(timeout=WAIT)
    await expect(widget).to_contain_text("这件外套的面料是?")
    box = await widget.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone screen
    await widget.locator("button[data-option=b]").click()
    await expect(widget.locator("button[data-option=b]")).to_have_attribute("aria-pressed", "true", timeout=WAIT)
    await expect(tally_b).to_have_text("1 票 · 100%", timeout=WAIT)  # the console, never reloaded
    await viewer.screenshot(path=artifact(artifacts_dir, "poll-viewer-voted-390x844.png"))

    others = []
    try:  # three more viewers vote from the SDK; the console follows
        poll = (stack.call("GET", "/api/rooms/e2e-poll/polls/current"))["id"]
        for i, option in enumerate(["a", "b", "c"]):
            client = await LiveClient(stack.gateway_url, issue(secret, f"pv{i + 2}"), reconnect=False).connect()
            others.append(client)
            await client.join("e2e-poll")
            assert isinstance(await client.request(Vote(poll=poll, options=[option])), Result)
        await expect(tally_b).to_have_text("2 票 · 50%", timeout=WAIT)
        await expect(con.locator("#poll-now [data-testid=poll-voters]")).to_have_text("4 人参与", timeout=WAIT)
        await expect(widget.locator("button[data-option=a] .poll-count")).to_have_text("1", timeout=WAIT)
        await con.screenshot(path=artifact(artifacts_dir, "poll-console-live.png"))
    finally:
        for client in others:
            await client.close()

    await con.click("[data-testid=poll-close]")
    await expect(con.locator("#poll-now")).to_contain_text("投票已结束", timeout=WAIT)
    await expect(con.locator("#poll-now")).to_contain_text("2 人答对", timeout=WAIT)
    result = viewer.locator("[data-testid=poll-result]")
    await expect(result).to_contain_text("投票已结束", timeout=WAIT)
    await expect(result).to_contain_text("正确答案: 羊毛")
    await expect(result).to_contain_text("答对了!")
    await viewer.screenshot(path=artifact(artifacts_dir, "poll-viewer-result-390x844.png"))
    await con.screenshot(path=artifact(artifacts_dir, "poll-console-result.png"))
    deadline = asyncio.get_running_loop().time() + WAIT / 1000
    while (row := stack.call("GET", "/api/rooms/e2e-poll/polls")[0])["status"] != "closed":  # the worker's part
        assert asyncio.get_running_loop().time() < deadline, row
        await asyncio.sleep(0.2)
    assert (row["voters"], row["correct_voters"]) == (4, 2)


async def test_a_multiple_choice_poll_on_an_english_phone_page(browser: Browser, stack: Any,
                                                              artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "host-m", role="host", room="e2e-multi", name="Host")
    stack.call("POST", "/api/rooms", {"id": "e2e-multi", "title": "Spring picks"}, host)
    poll = stack.call("POST", "/api/rooms/e2e-multi/polls", {
        "question": "Which colours should we restock?", "options": ["Red", "Sand", "Navy", "Olive"],
        "duration_s": 120, "mode": "multiple", "condition": "watch", "watch_s": 1}, host)
    vctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    viewer = watch_csp(await vctx.new_page())
    await viewer.goto(f"{stack.api_url}/room/e2e-multi?token={issue(secret, 'mv1', name='Mia')}&lang=en")
    widget = viewer.locator("[data-testid=poll-widget]")
    await expect(widget).to_contain_text("Which colours should we restock?", timeout=WAIT)
    await expect(widget).to_contain_text("After 1s of watching")
    await asyncio.sleep(1.2)  # the watch condition: the gateway counts from the join
    await widget.locator("button[data-option=a]").click()
    await widget.locator("button[data-option=c]").click()
    await widget.get_by_role("button", name="Submit").click()
    await expect(widget.locator("button[data-option=c] .poll-count")).to_have_text("1", timeout=WAIT)
    await expect(widget.locator("button[data-option=a] .poll-count")).to_have_text("1")
    await expect(widget.locator("button[data-option=b] .poll-count")).to_have_text("0")
    await expect(widget).to_contain_text("1 voters")
    await viewer.screenshot(path=artifact(artifacts_dir, "poll-viewer-multiple-en-390x844.png"))
    current = stack.call("GET", f"/api/rooms/e2e-multi/polls/{poll['id']}")
    assert [o["votes"] for o in current["options"]] == [1, 0, 1, 0]
