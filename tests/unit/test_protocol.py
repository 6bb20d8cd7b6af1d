import msgspec
import pytest

from livecore.features.coupons.messages import Claim
from livecore.features.groupbuy.messages import GroupJoin, GroupOpen
from livecore.features.lottery.messages import Enter
from livecore.features.polls.messages import Vote
from livecore.features.redpacket.messages import Grab
from livecore.features.sales.messages import Buy
from livecore.features.share.messages import HelpFriend, HelpStatus, ShareCodeAsk, ShareVisit
from livecore.protocol import (
    CloseCode,
    client,
    client_decoder,
    encode,
    events,
    server,
    server_decoder,
    should_reconnect,
)
from livecore.protocol.codec import CLIENT_TYPES


def test_every_client_message_round_trips() -> None:
    samples = [
        client.Join(room="42", last_offset="1-0", rid="a"), client.Chat(text="好看"), client.Like(count=3),
        client.Share(), client.Follow(), client.Gift(gift="rose", count=2, key="k"), client.Ping(t=1.5),
        Buy(sale="s1", key="k1"), Claim(batch="b1", key="k2"), Enter(lottery="l1"), Grab(rain="rp1", key="k3"),
        Vote(poll="p1", options=["a"]),
        client.Click(product="p1"), client.Cart(product="p1"), client.Mute(user="u2"), client.Unmute(user="u2"),
        client.Delete(msg="m1"), client.Pin(msg="m1"), client.Leave(),
        ShareCodeAsk(channel="wechat", group="g1", rid="c"), ShareVisit(code="7K0J6n5xTXSwoPQtE1aM"),
        HelpFriend(code="7K0J6n5xTXSwoPQtE1aM", rid="h"), HelpStatus(),
        GroupOpen(deal="gd0a1b2c3d4e", key="k3"), GroupJoin(group="gd0a1b2c3d4e-5f6a7b8c", key="k4"),
        GroupJoin(group="gd0a1b2c3d4e-5f6a7b8c", key="k5", share="7K0J6n5xTXSwoPQtE1aM"),
    ]
    assert {type(s).__struct_config__.tag for s in samples} == CLIENT_TYPES
    for s in samples:
        assert client_decoder.decode(encode(s)) == s


def test_unknown_type_and_missing_field_are_distinguished() -> None:
    with pytest.raises(msgspec.ValidationError, match="Invalid value 'nope'"):
        client_decoder.decode(b'{"type":"nope"}')
    with pytest.raises(msgspec.ValidationError, match="missing required field `text`"):
        client_decoder.decode(b'{"type":"chat"}')
    with pytest.raises(msgspec.DecodeError):
        client_decoder.decode(b"{not json")


def test_frame_embeds_raw_events_without_reencoding() -> None:
    raw = encode(events.GiftEvent(id="g1", gift="rose", value=100, offset="5-0"))
    frame = server.Frame(room="1", events=[msgspec.Raw(raw)], state={"online": 3}, offset="5-0")
    decoded = msgspec.json.decode(encode(frame))
    assert decoded["events"][0] == {"type": "gift", "id": "g1", "gift": "rose", "value": 100, "offset": "5-0"}
    assert isinstance(server_decoder.decode(encode(frame)), server.Frame)


def test_close_code_ranges() -> None:
    assert should_reconnect(CloseCode.SERVICE_RESTART)
    assert should_reconnect(CloseCode.SLOW_CONSUMER)
    assert not should_reconnect(CloseCode.UNAUTHORIZED)
    assert not should_reconnect(CloseCode.FLOOD)
    assert not should_reconnect(CloseCode.NORMAL)
