#!/usr/bin/env python3
"""Side-by-side throughput of Lakehouse and its peers on the same CloudFront corpus, in one run.

Run through Benchmarks/run.sh, which builds the release binary, generates the corpus with the
project's own generator and calls this script with the test venv's python. Every measurement is
a separate process (so peak RSS is per tool) repeated REPEAT times; tables report the median.

"1 thread" runs pin every tool, ours and the peers alike, to one CPU with taskset (a peer that
starts helper threads shares that core with them); "2 threads" runs leave both cores to every
tool and ask each for two threads (DuckDB threads, POLARS_MAX_THREADS, Arrow cpu count,
lakehouse --threads).

Sections: parse, encode, e2e, codecs, iceberg, dq, rss, scan.
"""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time

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

# Readers of the log as typed tables, shared by the snippets below (PATH, THREADS, FIELDS given).
READ = {
    "duckdb": """
import duckdb
con = duckdb.connect(); con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
cols = ", ".join(f"'{n}': '{t}'" for n, t in FIELDS)
SOURCE = f"read_csv('{PATH}', delim='\\t', header=false, skip=2, nullstr='-', quote='', escape='', columns={{{cols}}})"
""",
    "polars": """
import polars as pl
types = {"DATE": pl.Date, "VARCHAR": pl.Utf8, "BIGINT": pl.Int64, "INTEGER": pl.Int32, "FLOAT": pl.Float32}
def load():
    return pl.read_csv(PATH, separator="\\t", has_header=False, skip_rows=2, null_values="-",
                       schema={n: types[t] for n, t in FIELDS}, quote_char=None)
""",
    "pyarrow": """
import pyarrow as pa, pyarrow.csv as csv, pyarrow.parquet as pq
pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)
types = {"DATE": pa.date32(), "VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "FLOAT": pa.float32()}
def load():
    return csv.read_csv(PATH, read_options=csv.ReadOptions(skip_rows=2, column_names=[n for n, _ in FIELDS], use_threads=THREADS > 1),
                        parse_options=csv.ParseOptions(delimiter="\\t", quote_char=False),
                        convert_options=csv.ConvertOptions(column_types={n: types[t] for n, t in FIELDS}, null_values=["-"],
                                                           strings_can_be_null=True))
""",
}

PARSE = {
    "duckdb": READ["duckdb"] + "con.execute(f'CREATE TABLE t AS SELECT * FROM {SOURCE}')\nprint(con.execute('SELECT count(*) FROM t').fetchone()[0])\n",
    "polars": READ["polars"] + "print(load().height)\n",
    "pyarrow": READ["pyarrow"] + "print(load().num_rows)\n",
}

# Loads untimed, then prints the seconds spent writing Parquet with CODEC (none, snappy, zstd) at LEVEL.
ENCODE = {
    "pyarrow": READ["pyarrow"] + """
import time, json, os
t = load()
kwargs = {"compression": "none" if CODEC == "none" else CODEC}
if CODEC == "zstd": kwargs["compression_level"] = LEVEL
s = time.perf_counter(); pq.write_table(t, OUT, **kwargs); e = time.perf_counter() - s
print(json.dumps({"seconds": e, "bytes": os.path.getsize(OUT)}))
""",
    "polars": READ["polars"] + """
import time, json, os
df = load()
kwargs = {"compression": "uncompressed" if CODEC == "none" else CODEC}
if CODEC == "zstd": kwargs["compression_level"] = LEVEL
s = time.perf_counter(); df.write_parquet(OUT, **kwargs); e = time.perf_counter() - s
print(json.dumps({"seconds": e, "bytes": os.path.getsize(OUT)}))
""",
    "duckdb": READ["duckdb"] + """
import time, json, os
con.execute(f"CREATE TABLE t AS SELECT * FROM {SOURCE}")
options = "COMPRESSION uncompressed" if CODEC == "none" else f"COMPRESSION {CODEC}"
if CODEC == "zstd": options += f", COMPRESSION_LEVEL {LEVEL}"
s = time.perf_counter(); con.execute(f"COPY t TO '{OUT}' (FORMAT parquet, {options})"); e = time.perf_counter() - s
print(json.dumps({"seconds": e, "bytes": os.path.getsize(OUT)}))
""",
}

# gzip'd log to Parquet zstd-3, whole process timed.
E2E = {
    "pyarrow": READ["pyarrow"] + "pq.write_table(load(), OUT, compression='zstd', compression_level=3)\n",
    "polars": READ["polars"] + "load().write_parquet(OUT, compression='zstd', compression_level=3)\n",
    "duckdb": READ["duckdb"] + "con.execute(f\"COPY (SELECT * FROM {SOURCE}) TO '{OUT}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3)\")\n",
}

# The C/C++ codecs behind python-cramjam (snappy, zstd, gzip), in-process, best of REPEAT.
CODECS_CRAMJAM = """
import time, json, cramjam
data = open(PATH, "rb").read()
def best(f):
    t = float("inf"); r = None
    for _ in range(REPEAT):
        s = time.perf_counter(); r = f(); t = min(t, time.perf_counter() - s)
    return t, r
if CODEC == "snappy":
    c, packed = best(lambda: bytes(cramjam.snappy.compress_raw(data)))
    d, out = best(lambda: cramjam.snappy.decompress_raw(packed))
elif CODEC.startswith("zstd"):
    level = int(CODEC.split("-")[1])
    c, packed = best(lambda: bytes(cramjam.zstd.compress(data, level=level)))
    d, out = best(lambda: cramjam.zstd.decompress(packed))
else:
    c, packed = best(lambda: bytes(cramjam.gzip.compress(data, level=6)))
    d, out = best(lambda: cramjam.gzip.decompress(packed))
assert len(out) == len(data)
print(json.dumps({"compress_seconds": c, "decompress_seconds": d, "bytes": len(data), "compressed": len(packed)}))
"""

# pyiceberg on the same table shape: ROWS rows of the log per append, APPENDS appends, day partitions.
ICEBERG_PYICEBERG = """
import time, json, os, statistics, itertools
import pyarrow as pa, pyarrow.csv as csv
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionSpec, PartitionField
from pyiceberg.transforms import DayTransform
types = {"DATE": pa.date32(), "VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(), "FLOAT": pa.float32()}
with open(PATH) as f:
    head = "".join(itertools.islice(f, ROWS + 2))
tmp = os.path.join(WAREHOUSE, "rows.tsv"); os.makedirs(WAREHOUSE, exist_ok=True); open(tmp, "w").write(head)
table = csv.read_csv(tmp, read_options=csv.ReadOptions(skip_rows=2, column_names=[n for n, _ in FIELDS], use_threads=False),
                     parse_options=csv.ParseOptions(delimiter="\\t", quote_char=False),
                     convert_options=csv.ConvertOptions(column_types={n: types[t] for n, t in FIELDS}, null_values=["-"], strings_can_be_null=True))
uri = f"sqlite:///{WAREHOUSE}/catalog.db"
cat = SqlCatalog("bench", uri=uri, warehouse=f"file://{WAREHOUSE}")
cat.create_namespace("bench")
t = cat.create_table("bench.events", schema=table.schema)
with t.update_spec() as u:
    u.add_field("date", DayTransform(), "date_day")
appends, plans = [], {}
for k in range(1, APPENDS + 1):
    s = time.perf_counter(); t.append(table); appends.append(time.perf_counter() - s)
    if k in (1, 10, 60):
        times = []
        for _ in range(PLAN_REPEATS):
            fresh = SqlCatalog("bench", uri=uri, warehouse=f"file://{WAREHOUSE}")
            s = time.perf_counter(); n = len(list(fresh.load_table("bench.events").scan().plan_files())); times.append(time.perf_counter() - s)
        assert n == k, (n, k)
        plans[str(k)] = statistics.median(times)
appends.sort()
print(json.dumps({"append_median_seconds": statistics.median(appends), "append_p90_seconds": appends[len(appends) * 9 // 10],
                  "appends": len(appends), "plan_seconds": plans}))
"""

# The demo's 20 silver rules as one DuckDB query (same metrics, DuckDB's closest functions), timed
# after an untimed load: the reference point for `lakehouse bench dq`.
DQ_DUCKDB = READ["duckdb"] + """
import json, time
con.execute(f"CREATE TABLE t AS SELECT * FROM {SOURCE}")
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
# The same metrics straight from a Parquet file, for the whole-process comparison with
# `lakehouse dq run --data FILE.parquet` (each reads only the columns it needs).
DQ_DUCKDB_PARQUET = """
import duckdb
con = duckdb.connect(); con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
con.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{PATH}')")
""" + DQ_DUCKDB[DQ_DUCKDB.index('q = \"\"\"'):DQ_DUCKDB.index("s = time.perf_counter()")] + "print(con.execute(q).fetchall()[0][0])\n"


# Reads of the silver Iceberg table that run.sh builds with our CLI (the corpus's rows, day partitions),
# with COLUMNS (None: every column) from the table's current metadata (METADATA, a local path) or its
# SQLite catalog (CATALOG, WAREHOUSE). Each prints its row count and the seconds from opening the table
# to the last value decoded (imports and extension loading excluded): the whole process is timed too.
# "materialised" keeps the whole result in Arrow memory, as an application that reads the table would;
# "streamed" decodes batch after batch and drops each, as `lakehouse iceberg scan --discard` does.
DUCKDB_ICEBERG = """
import duckdb, glob, importlib, json, os, time
con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
for name in ("avro", "iceberg"):  # the wheels' extensions; avro first: iceberg would otherwise try to install it
    base = os.path.dirname(importlib.import_module(f"duckdb_extension_{name}").__file__)
    con.execute(f"LOAD '{glob.glob(os.path.join(base, 'extensions', '**', f'{name}.duckdb_extension'), recursive=True)[0]}'")
select = ", ".join(f'"{c}"' for c in COLUMNS) if COLUMNS else "*"
s = time.perf_counter()
con.execute(f"SELECT {select} FROM iceberg_scan('{METADATA}')")
"""
PYICEBERG_SCAN = """
import json, time, pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)
s = time.perf_counter()
table = SqlCatalog("default", uri=f"sqlite:///{CATALOG}", warehouse=f"file://{WAREHOUSE}").load_table("silver.cloudfront")
scan = table.scan(selected_fields=tuple(COLUMNS) if COLUMNS else ("*",))
"""
SCAN = {
    "duckdb (materialised: to_arrow_table)": DUCKDB_ICEBERG + "rows = con.to_arrow_table().num_rows\n",
    "duckdb (streamed: to_arrow_reader)": DUCKDB_ICEBERG + "rows = sum(b.num_rows for b in con.to_arrow_reader(122880))\n",
    "pyiceberg (materialised: to_arrow)": PYICEBERG_SCAN + "rows = scan.to_arrow().num_rows\n",
    "pyiceberg (streamed: to_arrow_batch_reader)": PYICEBERG_SCAN + "rows = sum(b.num_rows for b in scan.to_arrow_batch_reader())\n",
}
SCAN = {tool: code + "print(json.dumps({'rows': rows, 'seconds': time.perf_counter() - s}))\n" for tool, code in SCAN.items()}
# Parquet decode of the silver table's data files (FILES), COLUMNS as above, every value decoded:
# pyarrow read_table, polars read_parquet, DuckDB read_parquet into Arrow. Each prints its rows and
# the seconds of the read itself (imports excluded).
DECODE_HEAD = """
import json, time
"""
DECODE = {
    "pyarrow (read_table)": DECODE_HEAD + """import pyarrow as pa, pyarrow.parquet as pq
pa.set_cpu_count(THREADS); pa.set_io_thread_count(THREADS)
s = time.perf_counter()
rows = sum(pq.read_table(f, columns=COLUMNS, use_threads=THREADS > 1).num_rows for f in FILES)
""",
    "polars (read_parquet)": DECODE_HEAD + """import polars as pl
s = time.perf_counter()
rows = sum(pl.read_parquet(f, columns=COLUMNS).height for f in FILES)
""",
    "duckdb (read_parquet, to_arrow_table)": DECODE_HEAD + """import duckdb
con = duckdb.connect(); con.execute(f"SET threads={THREADS}"); con.execute("SET enable_progress_bar=false")
select = ", ".join(f'"{c}"' for c in COLUMNS) if COLUMNS else "*"
files = ", ".join(f"'{f}'" for f in FILES)
s = time.perf_counter()
rows = con.execute(f"SELECT {select} FROM read_parquet([{files}])").to_arrow_table().num_rows
""",
}
DECODE = {tool: code + "print(json.dumps({'rows': rows, 'seconds': time.perf_counter() - s}))\n" for tool, code in DECODE.items()}
# The projection: what a dashboard over the silver table reads (the demo's gold aggregates read these).
SCAN_PROJECTION = ["date", "sc_status", "sc_bytes", "cs_uri_stem", "x_edge_location"]


class Runner:
    def __init__(self, args):
        self.args = args
        self.taskset = shutil.which("taskset")

    def env(self, threads):
        return dict(os.environ, POLARS_MAX_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                    RAYON_NUM_THREADS=str(threads), ARROW_IO_THREADS=str(threads))

    def command(self, cmd, threads):
        # One thread: pinned to one CPU, for every tool alike.
        return (["taskset", "-c", "0"] + cmd) if threads == 1 and self.taskset else cmd

    def python(self, snippet, threads, **values):
        header = "".join(f"{k} = {v!r}\n" for k, v in dict(FIELDS=FIELDS, THREADS=threads, **values).items())
        return [sys.executable, "-c", header + snippet]

    def run(self, cmd, threads):
        """Runs cmd once: (seconds, peak RSS MiB, stdout); its standard error is left in self.stderr."""
        full = self.command(cmd, threads)
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env(threads))
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out = proc.stdout.read().decode()
        err = self.stderr = proc.stderr.read().decode()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(full[:4])}… failed ({proc.returncode}): {err[-2000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.strip()

    def measure(self, cmd, threads):
        """Median wall time and the largest peak RSS over the repeats, plus the last output."""
        runs = [self.run(cmd, threads) for _ in range(self.args.repeat)]
        return {"seconds": statistics.median(r[0] for r in runs), "rss": max(r[1] for r in runs), "output": runs[-1][2]}

    def timed(self, cmd, threads):
        """Median of the seconds a command reports itself (it loads its input untimed)."""
        runs = [self.run(cmd, threads) for _ in range(self.args.repeat)]
        outs = [json.loads(r[2].splitlines()[-1]) for r in runs]
        return {"seconds": statistics.median(o["seconds"] for o in outs), "rss": max(r[1] for r in runs), "output": outs[-1]}

    def measure_timed(self, cmd, threads):
        """measure() plus the median of the seconds the command reports itself ("inner"), for a JSON last line."""
        runs = [self.run(cmd, threads) for _ in range(self.args.repeat)]
        outs = [json.loads(r[2].splitlines()[-1]) for r in runs]
        return {"seconds": statistics.median(r[0] for r in runs), "inner": statistics.median(o["seconds"] for o in outs),
                "rss": max(r[1] for r in runs), "output": outs[-1]}


def ratio(peer, ours):
    return f"{peer / ours:.2f}x" if ours > 0 else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakehouse", required=True)
    ap.add_argument("--plain", required=True)
    ap.add_argument("--gzip", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--sections", default="parse,encode,e2e,codecs,iceberg,dq,rss,scan,decode")
    ap.add_argument("--scan-catalog", help="SQLite catalog of the silver table silver.cloudfront (scan section)")
    ap.add_argument("--scan-warehouse", help="its warehouse directory")
    args = ap.parse_args()
    sections = args.sections.split(",")
    thread_counts = [int(t) for t in args.threads.split(",")]
    r = Runner(args)
    bin = os.path.abspath(args.lakehouse)
    work = tempfile.mkdtemp(prefix="lakehouse-bench-", dir=os.path.dirname(os.path.abspath(args.plain)))
    sizes = {"plain TSV": os.path.getsize(args.plain), "gzip": os.path.getsize(args.gzip)}
    print(f"rows={args.rows} repeat={args.repeat} threads={args.threads} cpu={os.cpu_count()} taskset={'yes' if r.taskset else 'no'}")

    if "parse" in sections:
        print("\n### CloudFront parse: log file to typed columns (whole process)\n")
        print("| input | threads | tool | median s | rows/s | MB/s (input) | peak RSS MiB | lakehouse speedup |")
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for label, path in (("plain TSV", args.plain), ("gzip", args.gzip)):
            for threads in thread_counts:
                ours = r.measure([bin, "cloudfront", "count", path, "--threads", str(threads)], threads)
                rows = [("lakehouse", ours)] + [(peer, r.measure(r.python(code, threads, PATH=path), threads)) for peer, code in PARSE.items()]
                for tool, m in rows:
                    print(f"| {label} | {threads} | {tool} | {m['seconds']:.3f} | {args.rows / m['seconds']:,.0f} | "
                          f"{sizes[label] / m['seconds'] / 1e6:.1f} | {m['rss']:.0f} | {ratio(m['seconds'], ours['seconds']) if tool != 'lakehouse' else '1.00x'} |")

    if "encode" in sections:
        print("\n### Parquet encode from in-memory columns (write only; the load is untimed)\n")
        print("| codec | threads | tool | median s | rows/s | file MiB | lakehouse speedup | size vs ours |")
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for codec, level in (("none", 0), ("snappy", 0), ("zstd", 1), ("zstd", 3)):
            name = f"{codec}-{level}" if codec == "zstd" else codec
            for threads in thread_counts:
                out = os.path.join(work, "ours.parquet")
                ours = r.timed([bin, "bench", "encode", args.plain, "--out", out, "--codec", codec, "--level", str(max(level, 1)),
                                "--threads", str(threads)], threads)
                rows = [("lakehouse", ours)]
                for peer, code in ENCODE.items():
                    rows.append((peer, r.timed(r.python(code, threads, PATH=args.plain, CODEC=codec, LEVEL=level,
                                                        OUT=os.path.join(work, peer + ".parquet")), threads)))
                for tool, m in rows:
                    b = m["output"]["bytes"]
                    print(f"| {name} | {threads} | {tool} | {m['seconds']:.3f} | {args.rows / m['seconds']:,.0f} | {b / 2**20:.1f} | "
                          f"{ratio(m['seconds'], ours['seconds']) if tool != 'lakehouse' else '1.00x'} | {b / ours['output']['bytes']:.3f} |")

    if "e2e" in sections:
        print("\n### End to end: gzip'd log to Parquet zstd-3 (whole process)\n")
        print("| threads | tool | median s | rows/s | file MiB | peak RSS MiB | lakehouse speedup |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        single = None
        for threads in thread_counts:
            out = os.path.join(work, "e2e-ours.parquet")
            ours = r.measure([bin, "cloudfront", "convert", args.gzip, "--out", out, "--threads", str(threads)], threads)
            ours["bytes"] = os.path.getsize(out)
            if threads == 1: single = ours["seconds"]
            rows = [("lakehouse", ours)]
            for peer, code in E2E.items():
                out = os.path.join(work, f"e2e-{peer}.parquet")
                m = r.measure(r.python(code, threads, PATH=args.gzip, OUT=out), threads)
                m["bytes"] = os.path.getsize(out)
                rows.append((peer, m))
            for tool, m in rows:
                print(f"| {threads} | {tool} | {m['seconds']:.3f} | {args.rows / m['seconds']:,.0f} | {m['bytes'] / 2**20:.1f} | "
                      f"{m['rss']:.0f} | {ratio(m['seconds'], ours['seconds']) if tool != 'lakehouse' else '1.00x'} |")
            if threads > 1 and single:
                print(f"| {threads} | lakehouse vs its own 1 thread | | | | | {single / ours['seconds']:.2f}x |")

    if "codecs" in sections:
        sample = os.path.join(work, "sample.txt")
        with open(args.plain, "rb") as src, open(sample, "wb") as dst:
            dst.write(src.read(32 << 20))
        print("\n### Codecs on 32 MiB of log text (in-process, best of repeats; one core)\n")
        print("| codec | tool | compress MB/s | decompress MB/s | ratio | lakehouse speedup (compress / decompress) |")
        print("|---|---|---:|---:|---:|---:|")
        for codec in ("snappy", "zstd-1", "zstd-3", "gzip-6"):
            ours = json.loads(r.run([bin, "bench", "codec", sample, "--codec", codec, "--repeats", str(max(args.repeat, 3))], 1)[2])
            theirs = json.loads(r.run(r.python(CODECS_CRAMJAM, 1, PATH=sample, CODEC=codec, REPEAT=max(args.repeat, 3)), 1)[2])
            for tool, m in (("lakehouse", ours), ("cramjam (C/C++)", theirs)):
                speed = "1.00x / 1.00x" if tool == "lakehouse" else \
                    f"{m['compress_seconds'] / ours['compress_seconds']:.2f}x / {m['decompress_seconds'] / ours['decompress_seconds']:.2f}x"
                print(f"| {codec} | {tool} | {m['bytes'] / m['compress_seconds'] / 1e6:.0f} | {m['bytes'] / m['decompress_seconds'] / 1e6:.0f} | "
                      f"{m['bytes'] / m['compressed']:.2f} | {speed} |")

    if "iceberg" in sections:
        print("\n### Iceberg: append + commit of 100 rows, and cold planning (new catalog object) at 1, 10, 60 manifests\n")
        print("| tool | append+commit median ms | p90 ms | plan @1 ms | plan @10 ms | plan @60 ms |")
        print("|---|---:|---:|---:|---:|---:|")
        ours = json.loads(r.run([bin, "bench", "iceberg", args.plain, "--warehouse", os.path.join(work, "ice-ours")], 1)[2])
        theirs = json.loads(r.run(r.python(ICEBERG_PYICEBERG, 1, PATH=args.plain, WAREHOUSE=os.path.join(work, "ice-pyiceberg"),
                                           ROWS=100, APPENDS=60, PLAN_REPEATS=5), 1)[2])
        for tool, m in (("lakehouse", ours), ("pyiceberg", theirs)):
            p = m["plan_seconds"]
            print(f"| {tool} | {m['append_median_seconds'] * 1e3:.2f} | {m['append_p90_seconds'] * 1e3:.2f} | {p['1'] * 1e3:.2f} | "
                  f"{p['10'] * 1e3:.2f} | {p['60'] * 1e3:.2f} |")

    if "dq" in sections:
        print("\n### DQDL: the demo's 20 silver rules over the parsed rows (evaluation only; one core)\n")
        print("| tool | median s | rows/s | lakehouse speedup |")
        print("|---|---:|---:|---:|")
        ours = r.timed([bin, "bench", "dq", args.plain, "--repeats", "1"], 1)
        duck = r.timed(r.python(DQ_DUCKDB, 1, PATH=args.plain), 1)
        for tool, m in (("lakehouse", ours), ("duckdb (same metrics, one SQL query)", duck)):
            print(f"| {tool} | {m['seconds']:.3f} | {args.rows / m['seconds']:,.0f} | "
                  f"{ratio(m['seconds'], ours['seconds']) if tool != 'lakehouse' else '1.00x'} |")

        print("\n### DQDL from a Parquet file: the same 20 rules, whole process (one core)\n")
        print("`lakehouse dq run --data FILE.parquet` (streamed a row group at a time, only the columns the rules "
              "read) against DuckDB computing the same metrics with one query over `read_parquet` of the same file.\n")
        print("| tool | median s | rows/s | peak RSS MiB | lakehouse speedup |")
        print("|---|---:|---:|---:|---:|")
        parquet = os.path.join(work, "dq-silver.parquet")
        if not os.path.exists(parquet):
            subprocess.run([bin, "cloudfront", "convert", args.gzip, "--out", parquet], check=True, capture_output=True)
        rules = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "LakehouseCLI", "Rulesets", "silver.dqdl")
        results = {}
        for tool, cmd in (("lakehouse", [bin, "dq", "run", "--data", parquet, "--rules", rules, "--allow-failures"]),
                          ("duckdb (same metrics, read_parquet)", r.python(DQ_DUCKDB_PARQUET, 1, PATH=parquet))):
            runs = [r.run(cmd, 1) for _ in range(args.repeat)]
            results[tool] = (statistics.median(t for t, _, _ in runs), max(m for _, m, _ in runs))
        for tool, (seconds, rss) in results.items():
            print(f"| {tool} | {seconds:.3f} | {args.rows / seconds:,.0f} | {rss:.0f} | "
                  f"{ratio(seconds, results['lakehouse'][0]) if tool != 'lakehouse' else '1.00x'} |")

    if "rss" in sections:
        print("\n### Peak RSS end to end as the input grows (lakehouse cloudfront convert, zstd-3)\n")
        print("| input | threads | seconds | peak RSS MiB |")
        print("|---|---:|---:|---:|")
        for copies in (1, 3, 6):
            for threads in thread_counts:
                out = os.path.join(work, "rss.parquet")
                t, rss, _ = r.run([bin, "cloudfront", "convert"] + [args.gzip] * copies + ["--out", out, "--threads", str(threads)], threads)
                print(f"| {copies * args.rows:,} rows ({copies} × the gzip file) | {threads} | {t:.2f} | {rss:.0f} |")

    if "scan" in sections:
        if not (args.scan_catalog and args.scan_warehouse):
            ap.error("the scan section needs --scan-catalog and --scan-warehouse (run.sh builds the table)")
        catalog, warehouse = os.path.abspath(args.scan_catalog), os.path.abspath(args.scan_warehouse)
        # The current metadata JSON for DuckDB's iceberg_scan: the first line of `iceberg describe` (a file:// URL).
        described = subprocess.run([bin, "iceberg", "describe", "silver.cloudfront", "--catalog", catalog, "--warehouse", warehouse],
                                   check=True, capture_output=True, text=True).stdout
        metadata = described.splitlines()[0].removeprefix("file://")
        data = [os.path.join(d, f) for d, _, fs in os.walk(warehouse) for f in fs if f.endswith(".parquet")]
        print(f"\n### Iceberg scan: every row of the silver table decoded (whole process; "
              f"{len(data)} data file{'s' if len(data) != 1 else ''}, {sum(map(os.path.getsize, data)) / 2**20:.1f} MiB)\n")
        print("| columns | threads | tool | median s | scan s (in-process) | rows/s | peak RSS MiB | lakehouse speedup (whole / scan only) |")
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for label, columns in (("all", None), (f"{len(SCAN_PROJECTION)}: {', '.join(SCAN_PROJECTION)}", SCAN_PROJECTION)):
            for threads in thread_counts:
                # --threads: the column chunks of a row group decoded on that many threads at once.
                cmd = [bin, "iceberg", "scan", "silver.cloudfront", "--catalog", catalog, "--warehouse", warehouse, "--discard",
                       "--threads", str(threads)]
                ours = r.measure(cmd + (["--columns", ",".join(columns)] if columns else []), threads)
                # Ours prints "N rows" to standard error and has no start-up to leave out: its scan time is the process's.
                ours["inner"] = ours["seconds"]
                rows = int(r.stderr.split()[0])
                results = [("lakehouse (iceberg scan --discard)", ours)]
                for tool, code in SCAN.items():
                    m = r.measure_timed(r.python(code, threads, METADATA=metadata, CATALOG=catalog, WAREHOUSE=warehouse,
                                                 COLUMNS=columns), threads)
                    assert m["output"]["rows"] == rows, (tool, m["output"]["rows"], rows)
                    results.append((tool, m))
                for tool, m in results:
                    speed = "1.00x / 1.00x" if tool.startswith("lakehouse") else \
                        f"{ratio(m['seconds'], ours['seconds'])} / {ratio(m['inner'], ours['inner'])}"
                    print(f"| {label} | {threads} | {tool} | {m['seconds']:.3f} | {m['inner']:.3f} | {rows / m['seconds']:,.0f} | "
                          f"{m['rss']:.0f} | {speed} |")
    if "decode" in sections:
        if not args.scan_warehouse:
            ap.error("the decode section needs --scan-warehouse (run.sh builds the table)")
        warehouse = os.path.abspath(args.scan_warehouse)
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(warehouse) for f in fs if f.endswith(".parquet"))
        print(f"\n### Parquet decode: every value of the silver table's data file{'s' if len(files) != 1 else ''} into "
              f"batches (whole process; {len(files)} file{'s' if len(files) != 1 else ''}, "
              f"{sum(map(os.path.getsize, files)) / 2**20:.1f} MiB)\n")
        print("| columns | threads | tool | median s | read s (in-process) | rows/s | peak RSS MiB | lakehouse speedup (whole / read only) |")
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for label, columns in (("all", None), (f"{len(SCAN_PROJECTION)}: {', '.join(SCAN_PROJECTION)}", SCAN_PROJECTION)):
            for threads in thread_counts:
                cmd = [bin, "parquet", "scan"] + files + ["--threads", str(threads)]
                ours = r.measure(cmd + (["--columns", ",".join(columns)] if columns else []), threads)
                ours["inner"] = ours["seconds"]
                rows = int(ours["output"].splitlines()[0].split()[1])
                results = [("lakehouse (parquet scan)", ours)]
                for tool, code in DECODE.items():
                    m = r.measure_timed(r.python(code, threads, FILES=files, COLUMNS=columns), threads)
                    assert m["output"]["rows"] == rows, (tool, m["output"]["rows"], rows)
                    results.append((tool, m))
                for tool, m in results:
                    speed = "1.00x / 1.00x" if tool.startswith("lakehouse") else \
                        f"{ratio(m['seconds'], ours['seconds'])} / {ratio(m['inner'], ours['inner'])}"
                    print(f"| {label} | {threads} | {tool} | {m['seconds']:.3f} | {m['inner']:.3f} | {rows / m['seconds']:,.0f} | {m['rss']:.0f} | {speed} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
