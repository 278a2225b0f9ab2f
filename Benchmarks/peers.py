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
con = duckdb.connect(); con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
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


# The demo's 20 silver rules as one DuckDB query (same metrics, DuckDB's closest functions), timed
# after an untimed load: the reference point for `lakehouse bench dq`.
DQ_DUCKDB = """
import duckdb, json, time
con = duckdb.connect(); con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
cols = ", ".join(f"'{n}': '{t}'" for n, t in FIELDS)
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{PATH}', delim='\\t', header=false, skip=2, nullstr='-', quote='', escape='', columns={{{cols}}})")
q = \"\"\"
select count(*), count(date), count(x_edge_request_id),
  (select count(*) from (select x_edge_request_id from t group by 1 having count(*) = 1)),
  count(c_ip) / count(*),
  avg(case when cs_method in ('GET','HEAD','POST','PUT','DELETE','OPTIONS','PATCH') then 1.0 else 0.0 end),
  avg(case when sc_status > 99 and sc_status < 600 then 1.0 else 0.0 end),
  avg(case when cs_protocol in ('http','https','ws','wss') then 1.0 else 0.0 end),
  avg(case when regexp_full_match(c_ip, '[0-9a-fA-F.:]+') then 1.0 else 0.0 end),
  min(length(x_edge_request_id)), max(length(x_edge_request_id)),
  avg(time_taken), stddev_pop(time_taken), sum(sc_bytes),
  count(distinct x_edge_location), entropy(x_edge_location),
  count(sc_bytes), min(sc_bytes),
  avg(case when sc_status < 500 then 1.0 else 0.0 end),
  avg(sc_bytes) filter (where cs_method = 'GET'), max(date)
from t
\"\"\"
s = time.perf_counter(); con.execute(q).fetchall(); e = time.perf_counter() - s
print(json.dumps({"seconds": e}))
"""

ENCODE_SNIPPETS = {
    # Each loads the corpus untimed, then prints the seconds spent writing Parquet (zstd level LEVEL).
    "pyarrow": """
import time, json, os, pyarrow as pa, pyarrow.csv as csv, pyarrow.parquet as pq
types = {"DATE": pa.date32(), "VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "FLOAT": pa.float32()}
t = csv.read_csv(PATH, read_options=csv.ReadOptions(skip_rows=2, column_names=[n for n, _ in FIELDS], use_threads=False),
                 parse_options=csv.ParseOptions(delimiter="\\t", quote_char=False),
                 convert_options=csv.ConvertOptions(column_types={n: types[t] for n, t in FIELDS}, null_values=["-"], strings_can_be_null=True))
pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)
s = time.perf_counter(); pq.write_table(t, OUT, compression="zstd", compression_level=LEVEL); e = time.perf_counter() - s
print(json.dumps({"seconds": e, "bytes": os.path.getsize(OUT)}))
""",
    "polars": """
import time, json, os, polars as pl
types = {"DATE": pl.Date, "VARCHAR": pl.Utf8, "BIGINT": pl.Int64, "INTEGER": pl.Int32, "FLOAT": pl.Float32}
df = pl.read_csv(PATH, separator="\\t", has_header=False, skip_rows=2, null_values="-", schema={n: types[t] for n, t in FIELDS}, quote_char=None)
s = time.perf_counter(); df.write_parquet(OUT, compression="zstd", compression_level=LEVEL); e = time.perf_counter() - s
print(json.dumps({"seconds": e, "bytes": os.path.getsize(OUT)}))
""",
    "duckdb": """
import time, json, os, duckdb
con = duckdb.connect(); con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
cols = ", ".join(f"'{n}': '{t}'" for n, t in FIELDS)
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{PATH}', delim='\\t', header=false, skip=2, nullstr='-', quote='', escape='', columns={{{cols}}})")
s = time.perf_counter(); con.execute(f"COPY t TO '{OUT}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL {LEVEL})"); e = time.perf_counter() - s
print(json.dumps({"seconds": e, "bytes": os.path.getsize(OUT)}))
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
    ap.add_argument("--sections", default="parse,encode,dq", help="comma-separated subset of parse,encode,dq")
    args = ap.parse_args()
    sections = set(args.sections.split(","))

    env = dict(os.environ, POLARS_MAX_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads))
    results = []
    for label, path in (("plain TSV", args.plain), ("gzip", args.gzip)) if "parse" in sections else ():
        rows = []
        ours = measure("lakehouse", [args.lakehouse, "cloudfront", "count", path], args.repeat, env)
        rows.append(ours)
        for peer, snippet in PEER_SNIPPETS.items():
            code = f"FIELDS = {FIELDS!r}\nPATH = {path!r}\nTHREADS = {args.threads}\n" + snippet
            rows.append(measure(peer, [sys.executable, "-c", code], args.repeat, env))
        results.append((label, rows))

    encode = []
    out_dir = os.path.dirname(os.path.abspath(args.plain))
    for level in (1, 3) if "encode" in sections else ():
        rows = []
        ours_cmd = [args.lakehouse, "bench", "encode", args.plain, "--out", os.path.join(out_dir, "ours.parquet"), "--level", str(level)]
        rows.append(("lakehouse", [json.loads(run(ours_cmd, env)[2].splitlines()[-1]) for _ in range(args.repeat)]))
        for peer, snippet in ENCODE_SNIPPETS.items():
            code = (f"FIELDS = {FIELDS!r}\nPATH = {args.plain!r}\nTHREADS = {args.threads}\nLEVEL = {level}\n"
                    f"OUT = {os.path.join(out_dir, peer + '.parquet')!r}\n" + snippet)
            rows.append((peer, [json.loads(run([sys.executable, "-c", code], env)[2].splitlines()[-1]) for _ in range(args.repeat)]))
        encode.append((level, rows))

    dq = []
    if "dq" in sections:
        dq.append(("lakehouse", [json.loads(run([args.lakehouse, "bench", "dq", args.plain, "--repeats", "1"], env)[2].splitlines()[-1])
                                 for _ in range(args.repeat)]))
        code = f"FIELDS = {FIELDS!r}\nPATH = {args.plain!r}\nTHREADS = {args.threads}\n" + DQ_DUCKDB
        dq.append(("duckdb (same metrics, one SQL query)",
                   [json.loads(run([sys.executable, "-c", code], env)[2].splitlines()[-1]) for _ in range(args.repeat)]))

    size = {"plain TSV": os.path.getsize(args.plain), "gzip": os.path.getsize(args.gzip)}
    print(f"rows={args.rows} threads={args.threads} repeat={args.repeat}")
    if results:
        print("| input | tool | median s | rows/s | MB/s (input) | peak RSS MiB | speedup (peer s / ours s) |")
        print("|---|---|---:|---:|---:|---:|---:|")
    for label, rows in results:
        ours = rows[0]["median_s"]
        for r in rows:
            ratio = r["median_s"] / ours if r["tool"] != "lakehouse" else 1.0
            print(f"| {label} | {r['tool']} | {r['median_s']:.3f} | {args.rows / r['median_s']:,.0f} | "
                  f"{size[label] / r['median_s'] / 1e6:.1f} | {r['rss_mib']:.0f} | {ratio:.2f}x |")

    if encode:
        print()
        print("Parquet encode from in-memory columns (write only; input loaded untimed)")
        print("| zstd level | tool | median s | rows/s | file MiB | speedup (peer s / ours s) | size vs ours |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for level, rows in encode:
            ours_s = statistics.median(r["seconds"] for r in rows[0][1])
            ours_b = rows[0][1][0]["bytes"]
            for tool, runs in rows:
                med = statistics.median(r["seconds"] for r in runs)
                b = runs[0]["bytes"]
                print(f"| {level} | {tool} | {med:.3f} | {args.rows / med:,.0f} | {b / 2**20:.1f} | "
                      f"{(med / ours_s) if tool != 'lakehouse' else 1.0:.2f}x | {b / ours_b:.3f} |")

    if not dq:
        return
    print()
    print("DQDL: the demo's 20 silver rules over in-memory rows (evaluation only; target <= 1 s for 1 M rows)")
    print("| tool | median s | rows/s | speedup (peer s / ours s) |")
    print("|---|---:|---:|---:|")
    ours_dq = statistics.median(r["seconds"] for r in dq[0][1])
    for tool, runs in dq:
        med = statistics.median(r["seconds"] for r in runs)
        print(f"| {tool} | {med:.3f} | {args.rows / med:,.0f} | {(med / ours_dq) if tool != 'lakehouse' else 1.0:.2f}x |")


if __name__ == "__main__":
    main()
