"""Clock-hour buckets for the hourly ranking (小时榜) (pure).

An hour is identified by its index since the epoch (``ts_ms // 3_600_000``): the same integer in Redis key
names, the API and the tests. Whole hours line up in every time zone with a whole-hour offset (China is UTC+8),
so "reset on the hour" means the same instant everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

HOUR_MS = 3_600_000
KEEP_S = 86_400 + 3_600  # previous hours stay readable for a day


def hour_of(ts_ms: int) -> int:
    return ts_ms // HOUR_MS


def hour_start_ms(hour: int) -> int:
    return hour * HOUR_MS


def format_hour(hour: int) -> str:
    """ISO form of the hour's start, UTC (``2024-05-01T13:00:00Z``)."""
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:00:00Z")


def parse_hour(text: str) -> int:
    """An hour index, or an ISO date-time (the hour containing it; naive means UTC)."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return hour_of(int(when.timestamp() * 1000))


def seconds_left(now_ms: int) -> float:
    """Until the current hour's ranking resets."""
    return (HOUR_MS - now_ms % HOUR_MS) / 1000
