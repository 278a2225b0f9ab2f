#!/usr/bin/env python3
"""Side-by-side throughput of Lakehouse and its peers on the same CloudFront corpus.

Run through Benchmarks/run.sh, which builds the release binary, generates the corpus with the
project's own generator and calls this script with the test venv's python. Each measurement is
a separate process (so peak RSS is per tool), repeated; the table reports the median wall time.
"""
import argparse, json, os, resource, statistics, subprocess, sys, time

FIELDS = [
    ("date", "DATE"), ("time", "VARCHAR"), ("x_edge_location", "VARCHAR"), ("sc_bytes", "BIGINT"),
    ("c_ip", "VARCHAR"), ("cs_method", "VARCHAR"), ("cs_host", "VARCHAR"), ("cs_uri_stem", "VARCHAR"),
    ("sc_status", "INTEGER"), ("cs_referrer", "VARCHAR"), ("cs_user_agent", "VARCHAR"), ("cs_uri_query", "VARCHAR"),
    ("cs_cookie", "VARCHAR"), ("x_edge_result_type", "VARCHAR"), ("x_edge_request_id", "VARCHAR"),
    ("x_host_header", "VARCHAR"), ("cs_protocol", "VARCHAR"), ("cs_bytes", "BIGINT"), ("time_taken", "FLOAT"),
    ("x_forwarded_for", "VARCHAR"), ("ssl_protocol", "VARCHAR"), ("ssl_cipher", "VARCHAR"),
    ("x_edge_response_result_type", "VARCHAR"), ("cs_protocol_version", "VARCHAR"), ("fle_status", "VARCHAR"),
    ("fle_encrypted_fields", "INTEGER"), ("c_port", "INTEGER"), ("time_to_first_byte", "FLOAT"),
    ("x_edge_detailed_result_type", "VARCHAR"), ("sc_content_type", "VARCHAR"), ("sc_content_len", "BIGINT"),
    ("sc_range_start", "BIGINT"), ("sc_range_end", "BIGINT"),
]

PEER_SNIPPETS = {
    "duckdb": """
import duckdb, sys
con = duckdb.connect(); con.execute(f"SET threads={THREADS}")
cols = ", ".join(f"'{n}': '{t}'" for n, t in FIELDS)
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{PATH}', delim='\\t', header=false, skip=2, nullstr='-', quote='', escape='', columns={{{cols}}})")
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
""",
    "polars": """
import os
import polars as pl
types = {"DATE": pl.Date, "VARCHAR": pl.Utf8, "BIGINT": pl.Int64, "INTEGER": pl.Int32, "FLOAT": pl.Float32}
schema = {n: types[t] for n, t in FIELDS}
df = pl.read_csv(PATH, separator="\\t", has_header=False, skip_rows=2, null_values="-", schema=schema, quote_char=None)
print(df.height)
""",
    "pyarrow": """
import pyarrow as pa, pyarrow.csv as csv
types = {"DATE": pa.date32(), "VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "FLOAT": pa.float32()}
t = csv.read_csv(PATH, read_options=csv.ReadOptions(skip_rows=2, column_names=[n for n, _ in FIELDS], use_threads=THREADS > 1),
                 parse_options=csv.ParseOptions(delimiter="\\t", quote_char=False),
                 convert_options=csv.ConvertOptions(column_types={n: types[t] for n, t in FIELDS}, null_values=["-"], strings_can_be_null=True))
print(t.num_rows)
""",
}


def run(cmd, env=None):
    """Runs cmd, returns (seconds, peak RSS in MiB, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, max(after.ru_maxrss, before.ru_maxrss) / 1024, proc.stdout.strip()


def peak_rss(cmd, env=None):
    """Peak RSS of one run, measured with a fresh wait4 (getrusage CHILDREN keeps the max so far)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        if env is not None:
            os.execve(cmd[0], cmd, env)
        os.execv(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    return usage.ru_maxrss / 1024


def measure(name, cmd, repeat, env=None):
    times = []
    out = ""
    for _ in range(repeat):
        t, _, out = run(cmd, env)
        times.append(t)
    rss = peak_rss(cmd, env)
    return {"tool": name, "median_s": statistics.median(times), "min_s": min(times), "rss_mib": rss, "output": out}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakehouse", required=True)
    ap.add_argument("--plain", required=True)
    ap.add_argument("--gzip", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    env = dict(os.environ, POLARS_MAX_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    results = []
    for label, path in (("plain TSV", args.plain), ("gzip", args.gzip)):
        rows = []
        ours = measure("lakehouse", [args.lakehouse, "cloudfront", "count", path], args.repeat, env)
        rows.append(ours)
        for peer, snippet in PEER_SNIPPETS.items():
            code = f"FIELDS = {FIELDS!r}\nPATH = {path!r}\nTHREADS = {args.threads}\n" + snippet
            rows.append(measure(peer, [sys.executable, "-c", code], args.repeat, env))
        results.append((label, rows))

    size = {"plain TSV": os.path.getsize(args.plain), "gzip": os.path.getsize(args.gzip)}
    print(f"rows={args.rows} threads={args.threads} repeat={args.repeat}")
    print("| input | tool | median s | rows/s | MB/s (input) | peak RSS MiB | speedup (peer s / ours s) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, rows in results:
        ours = rows[0]["median_s"]
        for r in rows:
            ratio = r["median_s"] / ours if r["tool"] != "lakehouse" else 1.0
            print(f"| {label} | {r['tool']} | {r['median_s']:.3f} | {args.rows / r['median_s']:,.0f} | "
                  f"{size[label] / r['median_s'] / 1e6:.1f} | {r['rss_mib']:.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
