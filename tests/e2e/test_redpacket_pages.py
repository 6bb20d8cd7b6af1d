"""Red packet rain in chromium against a real gateway, API and worker: the host launches a rain from the console,
a viewer on a 390x844 phone taps a falling packet and sees the amount; the console's "grabbed X of Y" moves
without a reload; the host ends it and the console verifies every amount. Screenshots go to the artifacts folder."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from livecore.auth import issue

WAIT = 20_000


def artifact(directory: Path, name: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    return str(directory / name)


async def tap_a_falling_packet(page: Page) -> None:
    """Tap (touch) the centre of a packet that is inside the screen right now, as a thumb would."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        spot = await page.evaluate("""() => {
            for (const el of document.querySelectorAll('.rp-drop')) {
                const r = el.getBoundingClientRect();
                const inside = r.top > 120 && r.bottom < innerHeight - 80;
                if (inside) return {x: r.left + r.width / 2, y: r.top + r.height / 2};
            }
            return null;
        }""")
        if spot:
            await page.touchscreen.tap(spot["x"], spot["y"])
            return
        assert loop.time() < deadline, "no packet fell into the screen"
        await asyncio.sleep(0.1)


async def test_host_starts_a_rain_and_a_phone_viewer_grabs_it(browser: Browser, stack: Any,
                                                              artifacts_dir: Path) -> None:
    secret = stack.settings.secret
    host = issue(secret, "rphost", role="host", room="e2e-rp", name="主播小红")
    stack.call("POST", "/api/rooms", {"id": "e2e-rp", "title": "红包雨专场"}, host)
    errors: list[str] = []

    con = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    con.on("pageerror", lambda e: errors.append(str(e)))
    await con.goto(f"{stack.api_url}/console/?token={host}")
    await expect(con.locator("#conn")).to_have_text("已连接", timeout=WAIT)

    vctx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    viewer = await vctx.new_page()
    viewer.on("pageerror", lambda e: errors.append(str(e)))
    await viewer.goto(f"{stack.api_url}/room/e2e-rp?token={issue(secret, 'rpv1', role='viewer', name='小明')}")
    await expect(viewer.locator("#room-title")).to_have_text("红包雨专场", timeout=WAIT)

    # -- the host launches a rain: ¥10 in 5 packets, a 30 s window opening at once
    await con.click("[data-tab=redpacket]")
    form = con.locator("#redpacket-form")
    await form.locator("input[name=total]").fill("10")
    await form.locator("input[name=count]").fill("5")
    await form.locator("input[name=window_s]").fill("30")
    await form.locator("input[name=start_in_s]").fill("0")
    await form.locator("button[type=submit]").click()
    card = con.locator(".rp-card").first
    await expect(card.locator(".rp-grabbed")).to_have_text("0 / 5", timeout=WAIT)
    seed_hash = (await card.locator(".rp-seed-hash").text_content() or "").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", seed_hash), seed_hash

    # -- the phone shows the rain; the viewer taps a packet and sees the amount
    rain = viewer.locator("[data-testid=redpacket-rain]")
    await expect(rain).to_be_visible(timeout=WAIT)
    await asyncio.sleep(1.2)  # let the packets fall into the screen
    await viewer.screenshot(path=artifact(artifacts_dir, "redpacket-rain-390x844.png"))
    await tap_a_falling_packet(viewer)
    amount = viewer.locator("[data-testid=redpacket-amount] .rp-won-amount")
    await expect(amount).to_have_text(re.compile(r"^¥\d+(\.\d{1,2})?$"), timeout=WAIT)
    shown = await amount.text_content() or ""
    await expect(rain).to_be_hidden(timeout=WAIT)  # one packet per viewer: the rain goes away for them
    await viewer.screenshot(path=artifact(artifacts_dir, "redpacket-grabbed-390x844.png"))
    box = await viewer.locator("[data-testid=redpacket-amount]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone's width

    # -- the console's figures move without a reload
    await expect(card.locator(".rp-grabbed")).to_have_text("1 / 5", timeout=WAIT)
    await expect(card.locator(".rp-given")).to_have_text(shown, timeout=WAIT)

    # -- a second phone, in English, grabs too
    ectx = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    english = await ectx.new_page()
    english.on("pageerror", lambda e: errors.append(str(e)))
    await english.goto(f"{stack.api_url}/room/e2e-rp?token={issue(secret, 'rpv2', role='viewer', name='Amy')}&lang=en")
    await expect(english.locator("[data-testid=redpacket-rain]")).to_contain_text("Red packet rain", timeout=WAIT)
    await asyncio.sleep(1.2)
    await tap_a_falling_packet(english)
    await expect(english.locator("[data-testid=redpacket-amount]")).to_contain_text("You got", timeout=WAIT)
    await english.screenshot(path=artifact(artifacts_dir, "redpacket-grabbed-en-390x844.png"))
    await expect(card.locator(".rp-grabbed")).to_have_text("2 / 5", timeout=WAIT)

    # -- the host ends the rain and verifies it
    await card.locator("button.rp-end").click()
    await expect(card.locator(".rp-seed")).to_have_text(re.compile(r"^[0-9a-f]{64}$"), timeout=WAIT)
    await expect(card.locator(".rp-top-one")).to_have_count(2, timeout=WAIT)  # ranked by amount: either first
    top = " ".join(await card.locator(".rp-top-one").all_inner_texts())
    assert "小明" in top and "Amy" in top, top
    await card.locator("button.rp-verify").click()
    await expect(card.locator(".rp-verify-out")).to_contain_text("验证通过", timeout=WAIT)
    await con.screenshot(path=artifact(artifacts_dir, "redpacket-console.png"))
    chip = viewer.locator("[data-testid=redpacket-chip]").first
    await expect(chip).to_contain_text("2/5", timeout=WAIT)
    await viewer.screenshot(path=artifact(artifacts_dir, "redpacket-result-390x844.png"))

    # -- a password packet: the viewer types the phrase in the chat box (other spacing, full-width letters)
    await form.locator("select[name=kind]").select_option("password")
    await form.locator("input[name=phrase]").fill("新年 快乐 OK")
    await form.locator("input[name=window_s]").fill("120")
    await form.locator("button[type=submit]").click()
    pw = con.locator(".rp-card[data-phase=open]").first
    await expect(pw).to_contain_text("新年 快乐 OK", timeout=WAIT)
    await expect(viewer.locator("[data-testid=redpacket-said]")).to_contain_text("0人发送了口令", timeout=WAIT)
    await asyncio.sleep(0.6)  # the gateways' phrase cache refreshes every 0.25 s
    await viewer.fill("#chat-input", "新年快乐ＯＫ")
    await viewer.click("#chat-send")
    await expect(viewer.locator("[data-testid=redpacket-amount]").last).to_contain_text("抢到", timeout=WAIT)
    await expect(viewer.locator("[data-testid=redpacket-said]")).to_contain_text("1人发送了口令", timeout=WAIT)
    await viewer.fill("#chat-input", "谢谢主播")
    await viewer.click("#chat-send")
    await expect(viewer.locator("#barrage li", has_text="谢谢主播")).to_have_count(1, timeout=WAIT)
    await expect(viewer.locator("#barrage li", has_text="新年")).to_have_count(0)  # never a barrage line
    await expect(pw.locator(".rp-grabbed")).to_have_text("1 / 5", timeout=WAIT)
    await viewer.screenshot(path=artifact(artifacts_dir, "redpacket-password-390x844.png"))
    assert not errors, errors
