#!/usr/bin/env python3
"""Inflate beyond zlib, side by side in one run: the inflate kernel alone (zlib, ISA-L igzip,
libdeflate from C; our Inflater on each backend; Python's gzip), then gz -> typed batches and
gz -> Parquet zstd-3 end to end on one core, lakehouse on ISA-L and on zlib (LAKEHOUSE_INFLATE)
against polars and pyarrow. Run through Benchmarks/inflate.sh; reuses peers.py's runner."""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import E2E, PARSE, Runner, ratio  # noqa: E402


def with_backend(backend, fn):
    old = os.environ.get("LAKEHOUSE_INFLATE")
    os.environ["LAKEHOUSE_INFLATE"] = backend
    try:
        return fn()
    finally:
        if old is None:
            del os.environ["LAKEHOUSE_INFLATE"]
        else:
            os.environ["LAKEHOUSE_INFLATE"] = old


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lakehouse", required=True)
    ap.add_argument("--gzip", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--kernel", help="the built Benchmarks/Inflate/inflate_kernel binary")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    r = Runner(args)
    bin = os.path.abspath(args.lakehouse)
    work = tempfile.mkdtemp(prefix="lakehouse-inflate-", dir=os.path.dirname(os.path.abspath(args.gzip)))
    size = os.path.getsize(args.gzip)

    print("\n### Inflate alone: the whole gzip file in memory, one core (best of REPEAT)\n")
    print("| inflater | s | MB/s (plain) | vs zlib |")
    print("|---|---:|---:|---:|")
    results = []
    if args.kernel:
        _, _, out = r.run([args.kernel, args.gzip, str(args.repeat)], 1)
        for line in out.splitlines():
            j = json.loads(line)
            results.append((f"C: {j['library']}", j["seconds"], j["bytes"]))
    for backend in ("zlib", "isal"):
        _, _, out = with_backend(backend, lambda: r.run([bin, "bench", "codec", args.gzip + ".plain", "--codec", "gzip-6",
                                                         "--repeats", str(args.repeat)], 1))
        j = json.loads(out.splitlines()[-1])
        results.append((f"lakehouse Inflater ({backend})", j["decompress_seconds"], j["bytes"]))
    code = ("import gzip, time, sys\nd = open(sys.argv[1], 'rb').read()\nb = 1e9\n"
            "for _ in range(int(sys.argv[2])):\n s = time.perf_counter(); n = len(gzip.decompress(d)); b = min(b, time.perf_counter() - s)\n"
            "print(b, n)\n")
    _, _, out = r.run([sys.executable, "-c", code, args.gzip, str(args.repeat)], 1)
    s, n = out.split()
    results.append(("Python gzip.decompress (zlib)", float(s), int(n)))
    base = next((s for name, s, _ in results if name == "C: zlib"), results[0][1])
    for name, s, n in results:
        print(f"| {name} | {s:.3f} | {n / s / 1e6:.0f} | {base / s:.2f}x |")

    print("\n### gz -> typed batches, one core (whole process, median of REPEAT)\n")
    print("| tool | median s | rows/s | peak RSS MiB | lakehouse (ISA-L) speedup |")
    print("|---|---:|---:|---:|---:|")
    ours = {b: with_backend(b, lambda: r.measure([bin, "cloudfront", "count", args.gzip, "--threads", "1"], 1)) for b in ("isal", "zlib")}
    rows = [("lakehouse (ISA-L)", ours["isal"]), ("lakehouse (zlib)", ours["zlib"])]
    rows += [(peer, r.measure(r.python(PARSE[peer], 1, PATH=args.gzip), 1)) for peer in ("polars", "pyarrow")]
    for tool, m in rows:
        print(f"| {tool} | {m['seconds']:.3f} | {args.rows / m['seconds']:,.0f} | {m['rss']:.0f} | {ratio(m['seconds'], ours['isal']['seconds'])} |")

    print("\n### gz -> Parquet zstd-3 end to end, one core (whole process, median of REPEAT)\n")
    print("| tool | median s | rows/s | file MiB | peak RSS MiB | lakehouse (ISA-L) speedup |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = []
    for b, label in (("isal", "lakehouse (ISA-L)"), ("zlib", "lakehouse (zlib)")):
        out = os.path.join(work, f"ours-{b}.parquet")
        m = with_backend(b, lambda: r.measure([bin, "cloudfront", "convert", args.gzip, "--out", out, "--threads", "1"], 1))
        m["bytes"] = os.path.getsize(out)
        rows.append((label, m))
    for peer in ("polars", "pyarrow"):
        out = os.path.join(work, f"{peer}.parquet")
        m = r.measure(r.python(E2E[peer], 1, PATH=args.gzip, OUT=out), 1)
        m["bytes"] = os.path.getsize(out)
        rows.append((peer, m))
    for tool, m in rows:
        print(f"| {tool} | {m['seconds']:.3f} | {args.rows / m['seconds']:,.0f} | {m['bytes'] / 2**20:.1f} | {m['rss']:.0f} | "
              f"{ratio(m['seconds'], rows[0][1]['seconds'])} |")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
