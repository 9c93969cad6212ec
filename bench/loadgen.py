"""One wrk run, pinned to a core, read back into numbers."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class Sample:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int  # responses other than 2xx/3xx
    socket_errors: int  # connect, read, write errors and timeouts
    server_cpu_us: float = 0.0  # the server process's CPU time per request (user + system)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def parse(output: str) -> Sample:
    """
    >>> text = '''  Latency Distribution
    ...      50%  812.00us
    ...      99%    4.10ms
    ...   5000 requests in 1.00s, 1.00MB read
    ...   Non-2xx or 3xx responses: 3
    ... Requests/sec:   4999.50'''
    >>> parse(text).p50_ms, parse(text).errors
    (0.812, 3)
    """
    rate, total = _RATE.search(output), _TOTAL.search(output)
    if rate is None or total is None:
        raise ValueError(f"wrk printed no summary:\n{output}")
    latency = {int(p): float(v) * _UNITS[unit] for p, v, unit in _PERCENTILE.findall(output)}
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET.search(output)
    return Sample(
        float(rate[1]),
        latency[50],
        latency[99],
        int(total[1]),
        int(non_2xx[1]) if non_2xx else 0,
        sum(int(n) for n in socket.groups()) if socket else 0,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = ["apt-get", "install", "-y", "-q", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(apt, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(apt, env=env, check=True)
    return shutil.which("wrk") or "wrk"


def run_wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    script: Path | None,
    core: int | None,
    env: dict[str, str],
    server_pid: int,
) -> Sample:
    """One wrk run; also charges the server's CPU time over the run to its requests.

    CPU per request hardly moves when other work shares the machine, while
    requests/s does: it is the steadier measure of what a stack costs.
    """
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    cpu = cpu_seconds(server_pid)
    done = subprocess.run(
        [*command, url], env={**os.environ, **env}, check=True, capture_output=True, text=True
    )
    sample = parse(done.stdout)
    used = cpu_seconds(server_pid) - cpu
    return dataclasses.replace(sample, server_cpu_us=used / max(sample.requests, 1) * 1e6)
