"""Prometheus metrics of a worker process: ``livecore worker --metrics-port P`` serves ``/metrics``.

Each worker running in the process is listed (``livecore_worker_running``), and a worker that keeps counts of
what it did exposes them through ``figures() -> {outcome: count}`` as ``livecore_worker_items_total``
(``worker`` and ``outcome`` labels): entries persisted and dead-lettered by the outbox workers, batches that
found PostgreSQL unavailable (their entries stay buffered in Redis), interactions counted, skipped as
duplicates or malformed by the ranking worker, orders expired, sale phases announced, lotteries drawn by the
timer, analytics minute rows written and snapshot passes that failed. Values are read when
scraped, from prometheus-client's own HTTP server thread; the workers only increment integers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from ..generation import GenerationCollector, GenerationWatch


class WorkerCollector(Collector):
    def __init__(self, workers: Mapping[str, Any]) -> None:
        self.workers = workers

    def collect(self) -> Iterator[Metric]:
        running = GaugeMetricFamily("livecore_worker_running", "Workers running in this process", labels=["worker"])
        items = CounterMetricFamily("livecore_worker_items", "What each worker has handled, by outcome",
                                    labels=["worker", "outcome"])
        for name, worker in self.workers.items():
            running.add_metric([name], 1)
            figures: Callable[[], Mapping[str, int]] | None = getattr(worker, "figures", None)
            for outcome, count in (figures() if figures is not None else {}).items():
                items.add_metric([name, outcome], count)
        yield running
        yield items


def registry_for(workers: Mapping[str, Any], generation: GenerationWatch | None = None) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    registry.register(WorkerCollector(workers))
    registry.register(GenerationCollector(generation))
    return registry


def serve_metrics(workers: Mapping[str, Any], host: str, port: int,
                  generation: GenerationWatch | None = None) -> Callable[[], None]:
    """Start serving ``/metrics`` on ``host:port``; returns the function that stops it."""
    server, thread = start_http_server(port, addr=host, registry=registry_for(workers, generation))

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop
