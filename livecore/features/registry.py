"""The registered room features, and what the processes build from them.

Adding a feature: a package under ``livecore/features/`` exporting ``FEATURE``, and its name here.
"""

from __future__ import annotations

import functools
import importlib

import msgspec

from .base import Feature

FEATURES: tuple[str, ...] = (
    "livecore.features.sales",
    "livecore.features.coupons",
    "livecore.features.lottery",
    "livecore.features.share",
    "livecore.features.redpacket",
    "livecore.features.polls",
    "livecore.features.groupbuy",
)


@functools.cache
def features() -> tuple[Feature, ...]:
    found = tuple(importlib.import_module(name).FEATURE for name in FEATURES)
    names = [f.name for f in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two features share a name: {names}")
    return found


def client_messages() -> tuple[type[msgspec.Struct], ...]:
    """Every feature's client messages, in registry order."""
    return tuple(t for f in features() for t in f.messages)


def room_events() -> tuple[type[msgspec.Struct], ...]:
    return tuple(t for f in features() for t in f.events)


def route_modules() -> list[str]:
    return [m for f in features() for m in f.routes]


def workers() -> dict[str, str]:
    out: dict[str, str] = {}
    for f in features():
        for name, target in f.workers.items():
            if name in out:
                raise ValueError(f"two features define the worker {name!r}")
            out[name] = target
    return out


def commands() -> dict[str, tuple[str, str]]:
    """Every feature's ``livecore <command>``: name -> (module, help line)."""
    out: dict[str, tuple[str, str]] = {}
    for f in features():
        for name, target in f.commands.items():
            if name in out:
                raise ValueError(f"two features define the command {name!r}")
            out[name] = target
    return out


def restorers() -> list[tuple[str, str]]:
    """(feature name, ``"module:function"``) of every feature with a part in ``livecore restore``, in registry
    order (a feature another one relies on restores first: coupons before the quizzes that grant them)."""
    return [(f.name, f.restore) for f in features() if f.restore]


def page_modules(page: str) -> list[str]:
    """The ES modules (paths under ``js/``) of every feature's console panel (``"console"``) or viewer widget
    (``"viewer"``)."""
    return [m for f in features() if (m := f.console if page == "console" else f.viewer)]


def owner(message: type[msgspec.Struct]) -> Feature:
    for f in features():
        if message in f.messages:
            return f
    raise KeyError(message)
