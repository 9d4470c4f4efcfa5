#!/usr/bin/env python3
"""Benchmark of org-wide batches against the local GitHub (tests/github_server) with realistic latency.

Generates two organisations with the same mix of repositories (half of them to migrate, the rest already
migrated, not applicable, unsupported or invalid; every tenth a large tree: many files and a large blob
outside .github/), then measures, with the real CLI in a subprocess:

- `audit --org` of the big organisation: wall time, API requests per repository;
- `run --org` at concurrency 1 (on the small organisation: the serial run of 200 repositories alone would
  take most of the time budget; `--serial-repos 200` measures it on all) and at concurrency 8 (on the big
  one): wall time, repositories/s, scaling, API requests per migrated repository, peak and sampled RSS;
- bytes fetched per repository (the server's byte counter over every answer for that repository) against a
  `git clone --depth 1` of the same repository, on the large-tree repositories and on ordinary ones.

The local server answers in about a millisecond, which GitHub does not: every request (API and git) is
delayed by a uniform random latency (`--latency 0.05,0.15` by default), so that concurrency is measured
against realistic I/O. The server runs in its own process, so the client's memory and CPU are its own.
The runs use `--write-interval 0`: the default pacing of one content-creating request per second would
make any batch of N pull requests last at least N seconds whatever the concurrency (the output says so).
Nothing leaves 127.0.0.1.

Usage: .venv/bin/python scripts/bench_batch.py [--repos 200] [--serial-repos 50] [--latency 0.05,0.15]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

KINDS = ["migrate", "migrate", "migrate", "migrate", "migrate", "unsupported", "invalid", "already", "na", "no-ci"]
LARGE_FILES, LARGE_FILE_BYTES, LARGE_BLOB_BYTES = 1500, 1024, 2 * 1024 * 1024


# --- the server, in its own process --------------------------------------------------------------------------


def large_tree(seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    files = {f"src/pkg{i // 50:02}/module{i:04}.py": rng.randbytes(LARGE_FILE_BYTES // 2).hex().encode()
             for i in range(LARGE_FILES)}
    files["assets/model.bin"] = rng.randbytes(LARGE_BLOB_BYTES)
    return files


def repo_files(index: int) -> tuple[str, dict[str, str | bytes]]:
    from batch_support import KINDS as FILES

    kind = KINDS[index % len(KINDS)]
    files = dict(FILES[kind]())
    if index % 10 == 0:
        files.update(large_tree(index))
    return kind, files


def serve(conn, root: str, latency: tuple[float, float], orgs: dict[str, int]) -> None:
    from github_server import GitHubServer

    srv = GitHubServer(Path(root), latency=latency)
    kinds = {}
    for org, count in orgs.items():
        for i in range(count):
            name = f"{org}/repo{i:03}"
            kinds[name], files = repo_files(i)
            srv.add_repos_fast(name, files, secrets=["DOCKERHUB_TOKEN"])
    srv.start()
    conn.send((srv.url, srv.token, kinds))
    while True:
        command, arg = conn.recv()
        if command == "mark":
            conn.send(len(srv.exchanges))
        elif command == "stats":
            conn.send(_stats(srv.exchanges[arg:]))
        elif command == "stop":
            srv.stop()
            conn.send(None)
            return


def _stats(exchanges) -> dict:
    out: dict = {"api": 0, "graphql": 0, "rest": 0, "git": 0, "bytes": {}, "git_bytes": {}, "api_by_repo": {}}
    for e in exchanges:
        out[e.kind] += 1
        key = (e.repo or "*shared*").lower()
        out["bytes"][key] = out["bytes"].get(key, 0) + e.bytes_out
        if e.kind == "git":
            out["git_bytes"][key] = out["git_bytes"].get(key, 0) + e.bytes_out
        else:
            out["api"] += 1
            out["api_by_repo"][key] = out["api_by_repo"].get(key, 0) + 1
    return out


class Server:
    def __init__(self, root: Path, latency: tuple[float, float], orgs: dict[str, int]):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(child, str(root), latency, orgs), daemon=True)
        self.process.start()
        self.url, self.token, self.kinds = self.conn.recv()

    def ask(self, command: str, arg=None):
        self.conn.send((command, arg))
        return self.conn.recv()


# --- the client: the real CLI in a subprocess ------------------------------------------------------------------


def rss_kb(pid: int, field: str = "VmRSS") -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def consolidate_ci(server: Server, work: Path, *args: str) -> dict:
    """Run the CLI; wall time, RSS samples (time, kB) and the JSON report."""
    report = work / f"report-{time.monotonic_ns()}.json"
    argv = [sys.executable, "-m", "codemod.cli", *args, "--github-url", server.url, "--json", str(report)]
    env = {**os.environ, "GH_TOKEN": server.token, "TMPDIR": str(work)}
    began = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[tuple[float, int]] = []
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            now, hwm = rss_kb(proc.pid), rss_kb(proc.pid, "VmHWM")
            if now:
                samples.append((time.perf_counter() - began, now))
            peak[0] = max(peak[0], hwm or 0)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - began
    sampler.join()
    if not report.exists():
        raise SystemExit(f"consolidate-ci {' '.join(args)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return {"seconds": seconds, "samples": samples, "peak_kb": peak[0], "report": json.loads(report.read_text()),
            "code": proc.returncode}


def depth1_clone_bytes(server: Server, work: Path, repo: str) -> int:
    from codemod.gitrepo import GitAuth

    start = server.ask("mark")
    dest = work / "depth1" / repo.replace("/", "__")
    url = f"{server.url}/{repo}.git"
    env = {**os.environ, **GitAuth(server.token).env(url)}
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", url, str(dest)], env=env, check=True)
    return server.ask("stats", start)["bytes"].get(repo.lower(), 0)


# --- the benchmark ------------------------------------------------------------------------------------------


def measure_run(server: Server, work: Path, org: str, concurrency: int) -> dict:
    start = server.ask("mark")
    result = consolidate_ci(server, work, "run", "--org", org, "--concurrency", str(concurrency),
                           "--write-interval", "0", "--journal", str(work / f"{org}-{concurrency}.sqlite"))
    result["stats"] = server.ask("stats", start)
    return result


def summarise_run(name: str, result: dict, kinds: dict[str, str]) -> dict:
    entries = result["report"]["repositories"]
    migrated = [e for e in entries if e["outcome"] == "migrated"]
    per_repo = [e["requests"] for e in migrated]
    stats = result["stats"]
    shared = stats["api_by_repo"].get("*shared*", 0)
    return {
        "name": name, "repos": len(entries), "seconds": result["seconds"], "rate": len(entries) / result["seconds"],
        "migrated": len(migrated), "requests_max": max(per_repo, default=0),
        "requests_mean": statistics.mean(per_repo) if per_repo else 0.0, "shared": shared,
        "api_per_repo": stats["api"] / max(1, len(entries)), "peak_mb": result["peak_kb"] / 1024,
        "samples": result["samples"], "outcomes": result["report"]["totals"], "bytes": stats["bytes"],
        "git_bytes": stats["git_bytes"], "code": result["code"],
    }


def rss_profile(samples: list[tuple[float, int]]) -> str:
    if len(samples) < 4:
        return "too short to sample"
    end = samples[-1][0]
    picks = []
    for fraction in (0.25, 0.5, 0.75, 1.0):
        near = min(samples, key=lambda s, f=fraction: abs(s[0] - f * end))
        picks.append(f"{int(fraction * 100)}%: {near[1] / 1024:.0f} MB")
    return ", ".join(picks)


def bytes_table(server: Server, work: Path, run: dict, kinds: dict[str, str], org: str) -> list[tuple]:
    rows = []
    large = [n for n in kinds if n.startswith(org + "/") and int(n[-3:]) % 10 == 0][:5]
    small = [n for n in kinds if n.startswith(org + "/") and kinds[n] == "migrate" and int(n[-3:]) % 10 != 0][:3]
    for repo in large + small:
        fetched, git = run["bytes"].get(repo.lower(), 0), run["git_bytes"].get(repo.lower(), 0)
        clone = depth1_clone_bytes(server, work, repo)
        rows.append((repo, "large tree" if repo in large else "ordinary", fetched, git, clone, fetched / clone))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200, help="repositories of the big organisation (concurrency 8)")
    parser.add_argument("--serial-repos", type=int, default=50, help="repositories of the concurrency-1 run")
    parser.add_argument("--latency", default="0.05,0.15", help="per-request latency range in seconds (low,high)")
    args = parser.parse_args(argv)
    low, high = (float(x) for x in args.latency.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        began = time.perf_counter()
        server = Server(work / "server", (low, high), {"big": args.repos, "serial": args.serial_repos})
        print(f"generated {args.repos} + {args.serial_repos} repositories in {time.perf_counter() - began:.0f} s; "
              f"every request (API and git) waits {low * 1000:.0f}-{high * 1000:.0f} ms, as a real GitHub would")
        try:
            report(server, work, args)
        finally:
            server.ask("stop")
    return 0


def report(server: Server, work: Path, args: argparse.Namespace) -> None:
    start = server.ask("mark")
    audit = consolidate_ci(server, work, "audit", "--org", "big", "--concurrency", "8")
    audit_stats = server.ask("stats", start)
    n = len(audit["report"]["repositories"])
    print(f"\naudit --org big ({n} repositories): {audit['seconds']:.1f} s, {audit_stats['api']} API request(s) "
          f"= 1 per {n / max(1, audit_stats['api']):.0f} repositories (target: at least 25), git requests: "
          f"{audit_stats['git']}, peak RSS {audit['peak_kb'] / 1024:.0f} MB; outcomes {audit['report']['totals']}")
    serial = summarise_run("concurrency 1", measure_run(server, work, "serial", 1), server.kinds)
    parallel = summarise_run("concurrency 8", measure_run(server, work, "big", 8), server.kinds)
    print(f"\n{'run --org':16} {'repos':>5} {'seconds':>8} {'repos/s':>8} {'migrated':>8} {'req/migrated (max, mean)':>26} "
          f"{'API req/repo':>12} {'peak RSS':>9}")
    for row in (serial, parallel):
        print(f"{row['name']:16} {row['repos']:>5} {row['seconds']:>8.1f} {row['rate']:>8.2f} {row['migrated']:>8} "
              f"{row['requests_max']:>15} {row['requests_mean']:>10.2f} {row['api_per_repo']:>12.2f} "
              f"{row['peak_mb']:>7.0f} MB")
    scaling = parallel["rate"] / serial["rate"]
    print(f"scaling at 8 workers: {scaling:.1f}x (target: at least 5x); the organisation's listing: "
          f"{parallel['shared']} shared request(s) for {parallel['repos']} repositories")
    print(f"RSS of the concurrency-8 run over time: {rss_profile(parallel['samples'])}")
    print(f"with the default pacing (1 content-creating request per second), {parallel['migrated']} pull requests "
          f"take at least {parallel['migrated']} s whatever the concurrency")
    rows = bytes_table(server, work, parallel, server.kinds, "big")
    print(f"\n{'bytes fetched by the run':24} {'kind':10} {'all':>9} {'of it git':>10} {'depth-1 clone':>14} {'ratio':>7}")
    for repo, kind, fetched, git, clone, ratio in rows:
        print(f"{repo:24} {kind:10} {fetched:>9,} {git:>10,} {clone:>14,} {ratio:>6.1%}")
    large = [r[5] for r in rows if r[1] == "large tree"]
    print(f"large trees: at most {max(large):.1%} of a depth-1 clone (target: at most 10%)")
    for row in (serial, parallel):
        if row["code"] not in (0, 1):
            print(f"warning: the {row['name']} run exited {row['code']}")


if __name__ == "__main__":
    sys.exit(main())
