"""Simulated viewers for the demo (and the browser tests): real WebSocket clients through the client SDK.

Each bot joins the room, then acts at a human pace: Chinese barrage, like bursts, gifts, product clicks,
buying in running flash sales (and paying most orders), claiming coupons, entering lotteries (by commenting
the keyword when that is the condition). Everything goes through the normal paths (gateway, scripts, API),
so the console's dashboard moves exactly as it would with people.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..auth import issue
from ..client import LiveClient
from ..features.coupons.messages import Claim
from ..features.lottery.messages import Enter
from ..features.sales.messages import Buy
from ..protocol import client as c
from ..protocol.server import Result

log = logging.getLogger(__name__)

LINES = (
    "主播好！", "来了来了", "这个颜色好看", "有优惠吗", "已下单", "多少钱", "能便宜点吗", "支持主播", "好看好看",
    "想要这个", "上链接", "再讲一下材质", "发货快吗", "尺码怎么选", "第一次来", "主播声音好好听", "已关注",
    "还有库存吗", "买过一次质量很好", "求福袋", "什么时候秒杀", "这个性价比高", "家人们冲", "包邮吗", "好划算",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("小明", "小红", "阿杰", "晓雯", "大伟", "婷婷", "子涵", "浩然", "欣怡", "思远", "佳琪", "一诺")
GIFTS = (("lightstick", 30), ("rose", 12), ("heart", 5), ("applause", 3), ("rocket", 0.3))


@dataclass
class BotStats:
    chats: int = 0
    likes: int = 0
    gifts: int = 0
    orders: int = 0
    paid: int = 0
    claims: int = 0
    entries: int = 0
    refused: dict[str, int] = field(default_factory=dict)


def bot_name(i: int, rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + str(i)


class Bot:
    def __init__(self, i: int, gateway_url: str, api_url: str, room: str, secret: str, stats: BotStats,
                 *, pace: float = 1.0, seed: int | None = None) -> None:
        self.rng = random.Random(seed if seed is not None else i)
        self.user = f"bot{i}"
        self.name = bot_name(i, self.rng)
        self.token = issue(secret, self.user, role="viewer", name=self.name)
        self.gateway_url = gateway_url
        self.api_url = api_url
        self.room = room
        self.stats = stats
        self.pace = pace
        self.client: LiveClient | None = None
        self.bought: set[str] = set()
        self.claimed: set[str] = set()
        self.entered: set[str] = set()

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.sleep(self.rng.random() * 2 * self.pace)  # people do not arrive all at once
        self.client = LiveClient(self.gateway_url, self.token)
        try:
            await self.client.connect()
            await self.client.join(self.room)
            drain = asyncio.create_task(self._drain())
            try:
                while not stop.is_set():
                    await self.act()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.pace * self.rng.uniform(0.6, 2.4))
            finally:
                drain.cancel()
        except (TimeoutError, OSError, RuntimeError) as exc:
            log.warning("bot %s stopped: %s", self.user, exc)
        finally:
            await self.client.close()

    async def _drain(self) -> None:
        assert self.client is not None
        async for _ in self.client:
            pass  # the SDK keeps client.state current; the events themselves are for people

    def _refused(self, code: str) -> None:
        self.stats.refused[code] = self.stats.refused.get(code, 0) + 1

    async def act(self) -> None:
        client = self.client
        assert client is not None
        state = client.state
        roll = self.rng.random()
        lottery = state.get("lottery")
        if isinstance(lottery, dict) and lottery.get("status") == "open" and lottery.get("id") not in self.entered \
                and self.rng.random() < 0.5:
            await self.enter_lottery(lottery)
            return
        sales = [(k[5:], v) for k, v in state.items() if k.startswith("sale:") and isinstance(v, dict)]
        running = [(sid, v) for sid, v in sales if sid not in self.bought and v.get("status") == "active"]  # SaleState
        if running and self.rng.random() < 0.35:
            await self.buy(*self.rng.choice(running))
            return
        coupons = [k[7:] for k, v in state.items() if k.startswith("coupon:") and isinstance(v, dict)
                   and v.get("status") == "active" and k[7:] not in self.claimed]  # CouponState
        if coupons and self.rng.random() < 0.3:
            await self.claim(self.rng.choice(coupons))
            return
        if roll < 0.40:
            await self.chat(self.rng.choice(LINES))
        elif roll < 0.75:
            n = self.rng.randint(1, 12)
            await client.send(c.Like(count=n))
            self.stats.likes += n
        elif roll < 0.85:
            gift = self.rng.choices([g for g, _ in GIFTS], weights=[w for _, w in GIFTS])[0]
            answer = await client.request(c.Gift(gift=gift, count=self.rng.randint(1, 3), key=uuid.uuid4().hex))
            if isinstance(answer, Result):
                self.stats.gifts += 1
        elif roll < 0.95:
            product = state.get("product")
            if isinstance(product, dict):
                await client.send(c.Click(product=product["id"]))
        else:
            await client.send(c.Share(channel="wechat"))

    async def chat(self, text: str) -> None:
        assert self.client is not None
        answer = await self.client.request(c.Chat(text=text))
        if isinstance(answer, Result):
            self.stats.chats += 1
        else:
            self._refused(answer.code)

    async def buy(self, sale: str, view: dict[str, Any]) -> None:
        assert self.client is not None
        self.bought.add(sale)
        if view.get("product"):
            await self.client.send(c.Click(product=str(view["product"])))  # people look before they buy
        answer = await self.client.request(Buy(sale=sale, key=uuid.uuid4().hex))
        if not isinstance(answer, Result):  # a refusal arrives as an ``error``
            self._refused(answer.code)
            return
        data = answer.data
        self.stats.orders += 1
        if self.rng.random() < 0.8 and data.get("order"):
            await asyncio.sleep(self.rng.uniform(0.5, 3.0) * self.pace)
            ok = await asyncio.to_thread(self._post, f"/api/orders/{data['order']}/pay", {})
            if ok:
                self.stats.paid += 1

    async def claim(self, batch: str) -> None:
        assert self.client is not None
        self.claimed.add(batch)
        answer = await self.client.request(Claim(batch=batch, key=uuid.uuid4().hex))
        if isinstance(answer, Result):
            self.stats.claims += 1
        else:
            self._refused(answer.code)

    async def enter_lottery(self, lottery: dict[str, Any]) -> None:
        assert self.client is not None
        self.entered.add(lottery["id"])
        if lottery.get("condition") == "keyword" and lottery.get("keyword"):
            await self.chat(str(lottery["keyword"]))
            self.stats.entries += 1
            return
        if lottery.get("condition") == "follow":
            await self.client.send(c.Follow())
        answer = await self.client.request(Enter(lottery=lottery["id"]))
        if isinstance(answer, Result):
            self.stats.entries += 1

    def _post(self, path: str, body: dict[str, Any]) -> bool:
        req = urllib.request.Request(self.api_url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json",
                                              "authorization": "Bearer " + self.token})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return 200 <= res.status < 300
        except OSError:
            return False


async def run_bots(n: int, gateway_url: str, api_url: str, room: str, secret: str, stop: asyncio.Event,
                   *, pace: float = 1.0, first: int = 1) -> BotStats:
    stats = BotStats()
    bots = [Bot(first + i, gateway_url, api_url, room, secret, stats, pace=pace) for i in range(n)]
    await asyncio.gather(*(b.run(stop) for b in bots))
    return stats
