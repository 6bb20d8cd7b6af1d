"""Prometheus exposition of a gateway's counters, served on the gateway's own port at ``/metrics``.

A collector reads the plain ``GatewayStats`` attributes at scrape time, so the hot path only bumps integers;
each gateway has its own registry (no process-global metrics).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ..generation import GenerationCollector, GenerationWatch

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class GatewayCollector(Collector):
    def __init__(self, stats: Any, rooms: Callable[[], int], interactions: Any) -> None:
        self.stats = stats
        self.rooms = rooms
        self.interactions = interactions

    def collect(self) -> Iterator[Metric]:
        s = self.stats
        yield GaugeMetricFamily("livecore_gateway_connections", "Open viewer connections", value=s.connections)
        yield GaugeMetricFamily("livecore_gateway_rooms", "Rooms with local viewers", value=self.rooms())
        for name, help_text, value in (
            ("connections", "Connections accepted", s.connections_total),
            ("handshakes_refused", "Handshakes refused (bad token)", s.handshakes_refused),
            ("messages_in", "Client messages received", s.messages_in),
            ("frames", "Room frames written to viewers", s.frames),
            ("frame_bytes", "Bytes of room frames written", s.bytes),
            ("frames_lite", "Frames written without barrage to viewers that are behind", s.lite),
            ("frames_skipped", "Frames not written to viewers that are behind", s.skipped),
            ("slow_closed", "Viewers closed as slow consumers", s.slow_closed),
            ("chats", "Barrage messages accepted", s.chats),
            ("gifts", "Gifts accepted", s.gifts),
            ("replayed", "Reliable events replayed on resume", s.replayed),
            ("resyncs", "Resync answers", s.resyncs),
            ("interactions_dropped", "Interactions dropped by a full local buffer", self.interactions.dropped),
        ):
            yield CounterMetricFamily(f"livecore_gateway_{name}", help_text, value=value)
        refused = CounterMetricFamily("livecore_gateway_refused", "Client requests refused, by error code",
                                      labels=["code"])
        for code, n in sorted(s.refused.items()):
            refused.add_metric([str(code)], n)
        yield refused
        closes = CounterMetricFamily("livecore_gateway_closes", "Connections closed by the gateway, by code",
                                     labels=["code"])
        for code, n in sorted(s.closes.items()):
            closes.add_metric([str(code)], n)
        yield closes
        drops = CounterMetricFamily("livecore_gateway_drops", "Events dropped, by reason", labels=["reason"])
        for reason, n in sorted(s.drops.items()):
            drops.add_metric([reason], n)
        yield drops


def build_registry(stats: Any, rooms: Callable[[], int], interactions: Any,
                   generation: GenerationWatch | None = None) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector(stats, rooms, interactions))
    registry.register(GenerationCollector(generation))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
