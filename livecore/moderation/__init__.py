"""Shared moderation state of rooms (mutes, sensitive words, deleted and pinned messages) in Redis."""

from .store import ModerationStore

__all__ = ["ModerationStore"]
