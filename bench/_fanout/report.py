"""Turn the raw counts of a run into the figures the benchmark reports (pure, no I/O)."""

from __future__ import annotations

from statistics import mean
from typing import Any

from _plots import percentile_points

from .stats import (
    expected_barrage_per_s,
    gifts_lost,
    loss_beyond_sampling,
    max_ms,
    merge_histograms,
    new_histogram,
    percentile_ms,
)


def _sum_dicts(items: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in items:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _viewer_reports(phase: dict[str, Any]) -> list[dict[str, Any]]:
    return [phase["probes"], *phase["drainers"]]


def frames_and_bytes(phase: dict[str, Any]) -> tuple[int, int, int]:
    """(frames to viewers, their payload bytes, frames to senders) inside the window."""
    viewers = _viewer_reports(phase)
    sender_frames = phase["senders"]["frames"] if phase.get("senders") else 0
    return sum(r["frames"] for r in viewers), sum(r["payload_bytes"] for r in viewers), sender_frames


def connections(phase: dict[str, Any]) -> tuple[int, int]:
    """(viewers connected, senders connected)."""
    viewers = sum(r["connected"] for r in _viewer_reports(phase))
    senders = phase["senders"]["connected"] if phase.get("senders") else 0
    return viewers, senders


def server_figures(phase: dict[str, Any], seconds: float) -> dict[str, Any]:
    viewer_frames, payload, sender_frames = frames_and_bytes(phase)
    frames = viewer_frames + sender_frames
    viewers, senders = connections(phase)
    conns = viewers + senders
    cpu = sum(phase["cpu_s"])
    rss_growth = sum(phase["rss_t0"]) - sum(phase["rss_idle"])
    latency = merge_histograms([phase["probes"]["latency"]])
    return {
        "frames_per_s": round(frames / seconds, 1),
        "viewer_frames_per_s": round(viewer_frames / seconds, 1),
        "frames_per_viewer_per_s": round(viewer_frames / seconds / viewers, 3) if viewers else 0.0,
        "frame_payload_bytes": round(payload / viewer_frames) if viewer_frames else 0,
        "cpu_s": round(cpu, 3),
        "cpu_util": round(cpu / seconds, 3),
        "load_generators_cpu_util": round(phase["client_cpu_s"] / seconds, 3),
        "cpu_s_per_frame": cpu / frames if frames and phase["cpu_s"] else None,
        "rss_bytes_per_conn": round(rss_growth / conns) if conns and phase["rss_idle"] else None,
        "p50_ms": percentile_ms(latency, 50),
        "p99_ms": percentile_ms(latency, 99),
        "max_ms": max_ms(latency),
        "connections": conns,
        "connect_s": max(r.get("connect_s", 0.0) for r in phase["ready"]),
        "connect_errors": _sum_dicts([r["connect_errors"] for r in phase["ready"]]),
        "closed_during_run": _sum_dicts([r["closed"] for r in _viewer_reports(phase)]),
        "loadavg_1m": [round(x, 2) for x in phase["loadavg_1m"]],
    }


def summarize(plan: Any, gw: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
    seconds = plan.seconds
    senders = gw["senders"]
    probes = gw["probes"]["probes"]
    viewers, n_senders = connections(gw)
    figures = server_figures(gw, seconds)

    offered_barrage = senders["barrage_in_window"] / seconds
    offered_gifts = senders["gifts_in_window"] / seconds
    # Above the budget the sampler keeps `budget` per second of *publisher* time, so delivered barrage is
    # counted by the events' ts; below it every message must arrive, and counting by send time compares
    # exactly the messages the senders counted.
    key = "barrage_in_window" if senders["barrage_in_window"] / seconds > plan.budget else "barrage_sent_in_window"
    per_probe_barrage = [p[key] / seconds for p in probes]
    per_probe_gifts = [p["gifts_in_window"] / seconds for p in probes]
    per_probe_msgs = [b + g for b, g in zip(per_probe_barrage, per_probe_gifts, strict=True)]
    expected = expected_barrage_per_s(offered_barrage, plan.budget)
    barrage_mean = mean(per_probe_barrage) if probes else 0.0
    barrage_min = min(per_probe_barrage) if probes else 0.0

    # Gifts: exact (by offset) when the senders' answers carry offsets, else by count.
    seen = [list(p["gift_offsets"]) for p in probes]
    sent_offsets = senders.get("gift_offsets")
    lost = gifts_lost(senders["gifts_ok"], list(sent_offsets) if sent_offsets is not None else None, seen)

    # Latency: barrage from the sender's clock; gifts from the sender's clock when offsets pair them up,
    # else from the publisher's ts.
    latency = merge_histograms([gw["probes"]["latency"]])
    gift_hist = new_histogram()
    if sent_offsets is not None:
        gift_source = "sender"
        for p in probes:
            for offset, received in p["gift_offsets"].items():
                sent = sent_offsets.get(offset)
                if sent is not None and plan_window_contains(gw, sent):
                    gift_hist.record_value(max(1, int((received - sent) * 1_000_000)))
    else:
        gift_source = "publisher_ts"
        if gw["probes"]["gift_latency"]:
            gift_hist.decode_and_add(gw["probes"]["gift_latency"])
    barrage_hist = merge_histograms([gw["probes"]["latency"]])
    latency.add(gift_hist)

    cpu_per_frame = figures["cpu_s_per_frame"]
    out: dict[str, Any] = {
        "viewers": viewers,
        "senders": n_senders,
        "gateways": len(gw["targets"]),
        "gateway_procs": getattr(plan, "gateway_procs", 1),
        "seconds": seconds,
        "offered_msgs_per_s": round(offered_barrage + offered_gifts, 1),
        "offered_barrage_per_s": round(offered_barrage, 1),
        "offered_gifts_per_s": round(offered_gifts, 2),
        "delivered_msgs_per_s": round(mean(per_probe_msgs) * viewers, 1) if probes else 0.0,
        "frames_per_s": figures["frames_per_s"],
        "p50_ms": percentile_ms(latency, 50),
        "p99_ms": percentile_ms(latency, 99),
        "max_ms": max_ms(latency),
        "latency_percentiles_ms": percentile_points(latency),
        "barrage_p99_ms": percentile_ms(barrage_hist, 99),
        "latency_breakdown_ms": _breakdown(gw["probes"]),
        "gift_p99_ms": percentile_ms(gift_hist, 99),
        "gift_latency_from": gift_source,
        "gifts_sent": senders["gifts_sent"],
        "gifts_ok": senders["gifts_ok"],
        "gifts_refused": senders["gifts_refused"],
        "gifts_unanswered": senders["gifts_sent"] - senders["gifts_ok"] - sum(senders["gifts_refused"].values()),
        "gifts_lost": lost,
        "gift_duplicates_at_probes": sum(p["duplicate_gifts"] for p in probes),
        "budget": plan.budget,
        "barrage_allowed_per_s": round(expected, 2),
        "barrage_per_viewer_per_s": round(barrage_mean, 2),
        "barrage_per_viewer_per_s_min": round(barrage_min, 2),
        "barrage_lost_beyond_sampling": round(loss_beyond_sampling(barrage_mean, expected), 4),
        "barrage_lost_beyond_sampling_worst_probe": round(loss_beyond_sampling(barrage_min, expected), 4),
        "barrage_refused": senders["barrage_refused"],
        "cpu_s_per_frame": cpu_per_frame,
        "baseline_cpu_s_per_frame": None,
        "cpu_ratio_to_baseline": None,
        "rss_bytes_per_conn": figures["rss_bytes_per_conn"],
        "probes": len(probes),
        "per_gateway": _per_gateway(probes, senders, sent_offsets, seconds, expected),
        "gateway": figures,
        "gateway_exit_codes": gw["exit_codes"],
        "gateway_stop_s": round(gw["stop_s"], 2),
    }
    if base is not None:
        bfig = server_figures(base, seconds)
        out["baseline"] = {**bfig, "fed_frames": base.get("fed")}
        out["baseline_cpu_s_per_frame"] = bfig["cpu_s_per_frame"]
        if cpu_per_frame and bfig["cpu_s_per_frame"]:
            out["cpu_ratio_to_baseline"] = round(cpu_per_frame / bfig["cpu_s_per_frame"], 3)
    return out


def plan_window_contains(phase: dict[str, Any], t: float) -> bool:
    t0, t1 = phase["window"]
    return t0 <= t < t1


def _breakdown(probes: dict[str, Any]) -> dict[str, Any]:
    """Where barrage latency goes: sender -> gateway publish (``ingest``), publish -> viewer (``deliver``)."""
    out: dict[str, Any] = {}
    for name in ("ingest", "deliver"):
        hist = merge_histograms([probes.get(name, "")])
        out[name] = {"p50": percentile_ms(hist, 50), "p99": percentile_ms(hist, 99), "max": max_ms(hist)}
    return out


def _per_gateway(probes: list[dict[str, Any]], senders: dict[str, Any], sent_offsets: dict[str, float] | None,
                 seconds: float, expected: float) -> dict[str, Any]:
    """Loss figures of the probes on each gateway: cross-process delivery must not depend on the process."""
    out: dict[str, Any] = {}
    for gw in sorted({p.get("gateway", 0) for p in probes}):
        mine = [p for p in probes if p.get("gateway", 0) == gw]
        key = "barrage_in_window" if senders["barrage_in_window"] / seconds > expected else "barrage_sent_in_window"
        barrage = [p[key] / seconds for p in mine]
        seen = [list(p["gift_offsets"]) for p in mine]
        out[str(gw)] = {
            "probes": len(mine),
            "barrage_per_viewer_per_s": round(mean(barrage), 2),
            "barrage_lost_beyond_sampling": round(loss_beyond_sampling(mean(barrage), expected), 4),
            "gifts_lost": gifts_lost(senders["gifts_ok"], list(sent_offsets) if sent_offsets is not None else None,
                                     seen),
        }
    return out
