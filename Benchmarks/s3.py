#!/usr/bin/env python3
"""Iceberg on a local S3 server, lakehouse side by side with pyiceberg (run through Benchmarks/s3.sh).

Both write the same table shape (our silver CloudFront schema and day partitions, through a SQLite
catalog each: pyiceberg's SqlCatalog reads ours) to the same S3 server and bucket:

- append+commit latency: COMMITS appends of the same SMALL-row batch, one commit each. Ours is the
  whole `lakehouse iceberg append` process (start-up, parse of the small log, write, commit);
  pyiceberg's is `table.append(arrow)` inside one warm Python process (the rows already in memory,
  no start-up): a comparison that favours pyiceberg. Then ours in one warm process too
  (`lakehouse bench appends`: the log parsed once, untimed; each commit loads the table, writes
  and commits), the like-for-like figure.
- scan throughput: every row of the 1 M-row table (our append of the corpus) decoded. Ours is
  `lakehouse iceberg scan --discard` (whole process); pyiceberg's `to_arrow()` and
  `to_arrow_batch_reader()` in-process (start-up and catalog load left out).
- peak RSS of the 1 M-row append to S3 (`/usr/bin/time -v`).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time


def rss_and_time(cmd, env):
    """Runs cmd under /usr/bin/time -v: (seconds, peak RSS MiB, stderr)."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-4000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return elapsed, int(match.group(1)) / 1024 if match else float("nan"), proc.stderr


PY_SCAN = r"""
import json, sys, time, resource
from pyiceberg.catalog.sql import SqlCatalog
props = json.loads(sys.argv[1])
table = SqlCatalog("default", **props).load_table(sys.argv[2])
start = time.perf_counter()
if sys.argv[3] == "to_arrow":
    rows = table.scan().to_arrow().num_rows
else:
    rows = sum(b.num_rows for b in table.scan().to_arrow_batch_reader())
elapsed = time.perf_counter() - start
print(json.dumps({"rows": rows, "seconds": elapsed, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PY_APPEND = r"""
import json, sys, time
from pyiceberg.catalog.sql import SqlCatalog
props, ours_catalog, source, target, commits = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
ours = SqlCatalog("default", **ours_catalog).load_table(source)
first = ours.snapshots()[0].snapshot_id
rows = ours.scan(snapshot_id=first).to_arrow()
catalog = SqlCatalog("default", **props)
namespace = target.split(".")[0]
try:
    catalog.create_namespace(namespace)
except Exception:
    pass
table = catalog.create_table(target, schema=ours.schema(), partition_spec=ours.spec())
times = []
for _ in range(commits):
    start = time.perf_counter()
    table.append(rows)
    times.append(time.perf_counter() - start)
print(json.dumps({"rows": rows.num_rows, "times": times, "snapshots": len(table.snapshots())}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakehouse", required=True)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--work", required=True, help="a directory for the SQLite catalogs")
    ap.add_argument("--small-log", required=True, help="the small log file appended COMMITS times")
    ap.add_argument("--big-log", required=True, help="the 1 M-row log (gzip) appended once and scanned")
    ap.add_argument("--commits", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    env = dict(os.environ)
    aws = ["--endpoint-url", args.endpoint, "--path-style", "--region", env.get("AWS_REGION", "us-east-1")]
    ours_db = os.path.join(args.work, "ours.db")
    py_db = os.path.join(args.work, "pyiceberg.db")
    ours_where = ["--catalog", ours_db, "--warehouse", f"s3://{args.bucket}/ours"]
    s3_props = {"s3.endpoint": args.endpoint, "s3.access-key-id": env["AWS_ACCESS_KEY_ID"],
                "s3.secret-access-key": env["AWS_SECRET_ACCESS_KEY"], "s3.region": env.get("AWS_REGION", "us-east-1"),
                "s3.force-virtual-addressing": "false"}
    ours_props = dict(s3_props, uri=f"sqlite:///{ours_db}", warehouse=f"s3://{args.bucket}/ours")
    py_props = dict(s3_props, uri=f"sqlite:///{py_db}", warehouse=f"s3://{args.bucket}/pyiceberg")
    python = sys.executable

    def lakehouse(*words):
        cmd = [args.lakehouse, *words, *ours_where, *aws]
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-4000:]}")
        return time.perf_counter() - start

    # Append + commit latency.
    lakehouse("iceberg", "create", "silver.small")
    ours_times = [lakehouse("iceberg", "append", "silver.small", args.small_log, "--rejects", os.devnull)
                  for _ in range(args.commits)]
    proc = subprocess.run([python, "-c", PY_APPEND, json.dumps(py_props), json.dumps(ours_props), "silver.small",
                           "py.small", str(args.commits)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"pyiceberg append failed:\n{proc.stderr[-4000:]}")
    py = json.loads(proc.stdout.strip().splitlines()[-1])
    small_rows = py["rows"]
    # The same in one warm process (rows parsed once, untimed), as pyiceberg's is measured.
    lakehouse("iceberg", "create", "silver.inproc")
    cmd = [args.lakehouse, "bench", "appends", "silver.inproc", args.small_log, "--commits", str(args.commits), *ours_where, *aws]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-4000:]}")
    inproc = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n### Append + commit on S3 ({small_rows:,} rows per commit, {args.commits} commits, SQLite catalog, same server)\n")
    print("| tool | median s per commit | p90 s | commits/s | |")
    print("|---|---:|---:|---:|---|")
    for name, times, note in [("lakehouse (whole `iceberg append` process: start-up, parse, write, commit)", ours_times, ""),
                              ("lakehouse (`bench appends`: in a warm process, rows in memory)", inproc["times"],
                               f"{inproc['rows']:,} rows"),
                              ("pyiceberg 0.12 (`table.append` in a warm process, rows in memory)", py["times"], "")]:
        med = statistics.median(times)
        p90 = sorted(times)[int(0.9 * (len(times) - 1))]
        print(f"| {name} | {med:.3f} | {p90:.3f} | {1 / med:.1f} | {note} |")
    print(f"\nlakehouse commit rate / pyiceberg's: {statistics.median(py['times']) / statistics.median(ours_times):.1f}× "
          f"(whole process), {statistics.median(py['times']) / statistics.median(inproc['times']):.1f}× (both in process)")

    # 1 M-row append: peak RSS; then the scan.
    lakehouse("iceberg", "create", "silver.big")
    seconds, rss, _ = rss_and_time([args.lakehouse, "iceberg", "append", "silver.big", args.big_log, "--rejects", os.devnull,
                                    *ours_where, *aws], env)
    print(f"\n### 1 M-row append to S3 (gzip log, default options)\n\n| wall s | peak RSS MiB |\n|---:|---:|\n| {seconds:.2f} | {rss:.0f} |")

    print("\n### Scan on S3: every row of the 1 M-row table decoded\n")
    print("| tool | median s | rows/s | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    ours_runs = [rss_and_time([args.lakehouse, "iceberg", "scan", "silver.big", "--discard", *ours_where, *aws], env)
                 for _ in range(args.repeat)]
    rows = None
    match = re.search(r"([\d,]+) rows", ours_runs[0][2])
    if match:
        rows = int(match.group(1).replace(",", ""))
    ours_med = statistics.median(r[0] for r in ours_runs)
    print(f"| lakehouse (`iceberg scan --discard`, whole process) | {ours_med:.2f} | {(rows or 0) / ours_med:,.0f} | "
          f"{max(r[1] for r in ours_runs):.0f} |")
    for mode in ["to_arrow", "to_arrow_batch_reader"]:
        runs = []
        for _ in range(args.repeat):
            proc = subprocess.run([python, "-c", PY_SCAN, json.dumps(ours_props), "silver.big", mode], capture_output=True, text=True)
            if proc.returncode != 0:
                sys.exit(f"pyiceberg scan failed:\n{proc.stderr[-4000:]}")
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        med = statistics.median(r["seconds"] for r in runs)
        if rows is not None and runs[0]["rows"] != rows:
            print(f"row counts differ: ours {rows}, pyiceberg {runs[0]['rows']}", file=sys.stderr)
        print(f"| pyiceberg 0.12 (`{mode}`, in-process, start-up and load left out) | {med:.2f} | {runs[0]['rows'] / med:,.0f} | "
              f"{max(r['rss'] for r in runs):.0f} |")


if __name__ == "__main__":
    main()
