"""The client message of polls and quizzes (投票 / 答题)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from ...protocol.client import ClientMsg

OptionId = Annotated[str, msgspec.Meta(min_length=1, max_length=2)]


class Vote(ClientMsg, tag="vote"):
    """Vote in a poll: the ids of the chosen options (one in a single-choice poll). Voting again changes the
    vote, if the poll allows one change."""

    poll: str
    options: Annotated[list[OptionId], msgspec.Meta(min_length=1, max_length=6)]
    rid: str | None = None
