"""The client messages of share attribution (分享裂变) and friends' help (好友助力)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ...protocol.client import ClientMsg

Channel = Annotated[str, msgspec.Meta(pattern="^(wechat|qq|link|poster)$")]
GroupId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern="^[A-Za-z0-9_-]+$")]
Code = Annotated[str, msgspec.Meta(min_length=8, max_length=120, pattern="^[0-9A-Za-z]+$")]


class ShareCodeAsk(ClientMsg, tag="share_code"):
    """Make a share code for the room, or for a group in it: the answer has the code and the link to send."""

    channel: Channel = "link"
    group: GroupId | None = None
    rid: str | None = None


class ShareVisit(ClientMsg, tag="share_visit"):
    """The page was opened through a share link (``?share=<code>[&group=<id>]``): record the referrer."""

    code: Code
    group: GroupId | None = None
    rid: str | None = None


class HelpFriend(ClientMsg, tag="help_friend"):
    """Help the friend whose help link (``?help=<code>``) was opened to unlock the room's help coupon."""

    code: Code
    rid: str | None = None


class HelpStatus(ClientMsg, tag="help_status"):
    """The viewer's own progress in the room's help campaign ("N friends helped, M to go")."""

    rid: str | None = None
