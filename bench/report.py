"""Samples in, markdown out: medians per server and scenario, ratios to bare, the budget.

A ratio is the median of per-repetition ratios: repetitions run the servers
back to back, so each pair saw the same machine, and drift between
repetitions (other work on a shared machine) cancels out of the ratio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

from follower import RelayLatency
from loadgen import Sample

# (scenario, compared with, at least): issue 4's budget for this service.
THROUGHPUT_BUDGET = (
    ("get", "bare", 0.8),
    ("get", "fastapi", 3.0),
    ("list", "bare", 0.7),
    ("filter", "bare", 0.7),
    ("post", "bare", 0.7),
    ("order", "bare", 0.6),  # issue 10
)
TAIL_BUDGET = 3.0  # p99 at most this many times p50, for this service

Results = Mapping[str, Mapping[str, Sequence[Sample]]]  # scenario -> server -> repetitions


@dataclass(frozen=True)
class Summary:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_us: float


def summarise(samples: Sequence[Sample]) -> Summary:
    return Summary(
        median(s.requests_per_second for s in samples),
        median(s.p50_ms for s in samples),
        median(s.p99_ms for s in samples),
        sum(s.errors for s in samples),
        median(s.server_cpu_us for s in samples),
    )


def ratios(by_server: Mapping[str, Sequence[Sample]], server: str, other: str) -> list[float]:
    """``server``'s req/s over ``other``'s, one per repetition."""
    return [
        mine.requests_per_second / theirs.requests_per_second
        for mine, theirs in zip(by_server[server], by_server[other], strict=True)
    ]


def _ratio_text(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}x"
    return f"{median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"


def results_table(results: Results, labels: Mapping[str, str], titles: Mapping[str, str]) -> str:
    lines = [
        "| scenario | server | req/s (median) | p50 ms | p99 ms | p99/p50 "
        "| vs bare: median (range) | server CPU us/req | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for scenario, by_server in results.items():
        for server, samples in by_server.items():
            s = summarise(samples)
            ratio = _ratio_text(ratios(by_server, server, "bare")) if "bare" in by_server else "-"
            lines.append(
                f"| {titles[scenario]} | {labels[server]} | {s.requests_per_second:,.0f} "
                f"| {s.p50_ms:.2f} | {s.p99_ms:.2f} | {s.p99_ms / s.p50_ms:.1f} "
                f"| {ratio} | {s.server_cpu_us:,.0f} | {s.errors} |"
            )
    return "\n".join(lines)


def fastapi_table(results: Results, titles: Mapping[str, str]) -> str:
    """This service against FastAPI + SQLAlchemy ORM, per scenario (a goal only for GET)."""
    lines = [
        "| scenario | this service / FastAPI, req/s: median (range) "
        "| FastAPI CPU/req over this service's |",
        "|---|--:|--:|",
    ]
    for scenario, by_server in results.items():
        if "service" in by_server and "fastapi" in by_server:
            cpu = (
                summarise(by_server["fastapi"]).server_cpu_us
                / summarise(by_server["service"]).server_cpu_us
            )
            ratio = _ratio_text(ratios(by_server, "service", "fastapi"))
            lines.append(f"| {titles[scenario]} | {ratio} | {cpu:.2f} |")
    return "\n".join(lines)


def budget_table(results: Results, titles: Mapping[str, str]) -> str:
    """Issue 4's budget. Throughput goals also show the CPU-per-request ratio
    (the other stack's CPU per request over this service's): the ratio the
    service would reach if both were CPU-bound on their core, and much less
    sensitive to other work on the machine than requests/s."""
    lines = [
        "| budget (this service) | goal | measured | verdict | same from CPU per request |",
        "|---|--:|--:|---|--:|",
    ]

    def row(what: str, goal: str, measured: float, *, ok: bool, cpu: str = "-") -> None:
        verdict = "met" if ok else "**missed**"
        lines.append(f"| {what} | {goal} | {measured:.2f} | {verdict} | {cpu} |")

    for scenario, other, floor in THROUGHPUT_BUDGET:
        by_server = results.get(scenario, {})
        if "service" in by_server and other in by_server:
            ratio = median(ratios(by_server, "service", other))
            cpu = (
                summarise(by_server[other]).server_cpu_us
                / summarise(by_server["service"]).server_cpu_us
            )
            goal = f">= {floor:.1f}x"
            what = f"{titles[scenario]}: req/s vs {other}"
            row(what, goal, ratio, ok=ratio >= floor, cpu=f"{cpu:.2f}")
    for scenario, by_server in results.items():
        if "service" in by_server:
            s = summarise(by_server["service"])
            tail = s.p99_ms / s.p50_ms
            goal = f"<= {TAIL_BUDGET:.0f}"
            row(f"{titles[scenario]}: p99 / p50", goal, tail, ok=tail <= TAIL_BUDGET)
    return "\n".join(lines)


def relay_text(relay: RelayLatency, connections: int) -> str:
    """The change feed's delay, from one order run of the service with a follower."""
    problem = f"\n\n**The follower failed:** {relay.error}" if relay.error else ""
    return (
        f"Relay: commit to change feed, measured in one more order run of this service "
        f"(wrk -c{connections}, {relay.requests_per_second:,.0f} req/s during it) with a "
        f"follower long-polling `GET /api/v1/events?type=my_api.order.placed.v1&wait=5` "
        f"({relay.polls:,} polls). It got {relay.events:,} order.placed events "
        f"({relay.distinct:,} distinct orders) for {relay.responses:,} 201s wrk saw; "
        f"{relay.matched:,} matched (bench/follower.py defines both measures).\n\n"
        "| delay until the follower had the event | p50 ms | p99 ms | max ms |\n"
        "|---|--:|--:|--:|\n"
        f"| after wrk had the 201 (lower bound: the commit came earlier) "
        f"| {relay.after_response_p50_ms:.1f} | {relay.after_response_p99_ms:.1f} "
        f"| {relay.after_response_max_ms:.1f} |\n"
        f"| after the event's `time` (upper bound: stamped before the transaction began) "
        f"| {relay.after_stamp_p50_ms:.1f} | {relay.after_stamp_p99_ms:.1f} "
        f"| {relay.after_stamp_max_ms:.1f} |"
        f"{problem}"
    )
