"""``FeatureSet``: the parts of the registered features one gateway process runs, found by message type."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

import msgspec

from ..runtime import Runtime
from . import registry
from .base import Answer, Ask, Part, resolve

log = logging.getLogger(__name__)


def _overrides(part: Part, hook: str) -> bool:
    return getattr(type(part), hook) is not getattr(Part, hook)


class FeatureSet:
    """Parts by feature name; a client message reaches the part of the feature that declares it."""

    def __init__(self, parts: Mapping[str, Part]) -> None:
        self.parts = dict(parts)
        self._by_type: dict[type[Any], Part] = {}
        for feature in registry.features():
            part = self.parts.get(feature.name)
            if part is not None:
                for message in feature.messages:
                    self._by_type[message] = part
        chosen = list(self.parts.values())
        self.interceptors = [p for p in chosen if _overrides(p, "intercept_chat")]
        self.chat_watchers = [p for p in chosen if _overrides(p, "on_chat")]
        self.follow_watchers = [p for p in chosen if _overrides(p, "on_follow")]

    @classmethod
    def open(cls, rt: Runtime, **given: Part) -> FeatureSet:
        """Every registered feature with a gateway part, each made by its factory unless ``given`` by name."""
        parts: dict[str, Part] = {}
        for feature in registry.features():
            if feature.name in given:
                parts[feature.name] = given[feature.name]
            elif feature.gateway is not None:
                parts[feature.name] = resolve(feature.gateway)(rt)
        return cls(parts)

    def part_for(self, message: type[msgspec.Struct]) -> Part | None:
        return self._by_type.get(message)

    async def handle(self, ask: Ask, msg: msgspec.Struct) -> Answer | None:
        """The answer of the part that owns ``msg``'s type, or ``None`` when no part here does."""
        part = self._by_type.get(type(msg))
        return None if part is None else await part.handle(ask, msg)

    def intercept_chat(self, ask: Ask, text: str) -> Awaitable[Answer] | None:
        for part in self.interceptors:
            taken = part.intercept_chat(ask, text)
            if taken is not None:
                return taken
        return None

    async def close(self) -> None:
        results = await asyncio.gather(*(p.close() for p in self.parts.values()), return_exceptions=True)
        for name, result in zip(self.parts, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("closing the %s feature failed: %r", name, result)
