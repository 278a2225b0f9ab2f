/// Python that normalises reader values to JSON: ints; floats as `"f:<repr>"` (so no JSON parser
/// rounds them) with NaN/Infinity as strings; decimals as fixed-point strings; bytes as hex; dates
/// ISO; timestamps as epoch microseconds; lists of 2-tuples and dicts of keys as `[key, value]`
/// pairs for maps. Shared by the Parquet interop and conformance tests.
public let pythonNormalizePrelude = #"""
import sys, json, math, datetime, decimal, uuid
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

def norm(v):
    if v is None: return None
    if isinstance(v, bool): return v
    if isinstance(v, int): return v
    if isinstance(v, float):
        if math.isnan(v): return "NaN"
        if math.isinf(v): return "Infinity" if v > 0 else "-Infinity"
        return "f:" + repr(v)
    if isinstance(v, decimal.Decimal): return format(v, "f")
    if isinstance(v, str): return v
    if isinstance(v, (bytes, bytearray, memoryview)): return bytes(v).hex()
    if isinstance(v, uuid.UUID): return v.bytes.hex()
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None: v = v.replace(tzinfo=datetime.timezone.utc)
        d = v - EPOCH
        return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds
    if isinstance(v, datetime.date): return v.isoformat()
    if isinstance(v, dict): return {k: norm(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(e, tuple) and len(e) == 2 for e in v): return [[norm(k), norm(x)] for k, x in v]
        return [norm(x) for x in v]
    raise TypeError(type(v))

def norm_map(v):
    if v is None: return None
    if isinstance(v, dict):
        if set(v.keys()) == {"key", "value"} and isinstance(v["key"], list):
            return [[norm(k), norm(x)] for k, x in zip(v["key"], v["value"])]
        return [[norm(k), norm(x)] for k, x in v.items()]
    out = []
    for e in v:
        if isinstance(e, dict): out.append([norm(e["key"]), norm(e["value"])])
        else: out.append([norm(e[0]), norm(e[1])])
    return out
"""#

/// A python program that reads a Parquet file with pyarrow, polars and DuckDB, normalises every
/// value (see ``pythonNormalizePrelude``), checks that the three readers agree, and prints
/// pyarrow's rows as one JSON document.
///
/// Arguments: the file path, then a JSON list of the map-typed top-level column names.
public let parquetReadersScript = pythonNormalizePrelude + "\n" + #"""
import pyarrow.parquet as pq, polars as pl, duckdb

path = sys.argv[1]
maps = set(json.loads(sys.argv[2]))

def rows_of(names, tuples):
    return [{n: (norm_map(x) if n in maps else norm(x)) for n, x in zip(names, t)} for t in tuples]

table = pq.read_table(path)
names = table.column_names
arrow_rows = rows_of(names, [tuple(r[n] for n in names) for r in table.to_pylist()])
df = pl.read_parquet(path)
polars_rows = rows_of(df.columns, df.rows())
con = duckdb.connect()
rel = con.sql(f"SELECT * FROM read_parquet('{path}')")
duck_rows = rows_of(rel.columns, rel.fetchall())
for name, other in (("polars", polars_rows), ("duckdb", duck_rows)):
    if other != arrow_rows:
        for i, (a, b) in enumerate(zip(arrow_rows, other)):
            if a != b:
                sys.exit(f"{name} differs from pyarrow at row {i}: {b} vs {a}")
        sys.exit(f"{name} row count {len(other)} vs pyarrow {len(arrow_rows)}")
md = pq.ParquetFile(path).metadata
info = {"rows": arrow_rows, "num_row_groups": md.num_row_groups,
        "field_ids": [f.metadata.get(b"PARQUET:field_id", b"").decode() if f.metadata else "" for f in pq.read_schema(path)],
        "has_min_max": [[md.row_group(g).column(c).statistics.has_min_max if md.row_group(g).column(c).statistics else False
                         for c in range(md.num_columns)] for g in range(md.num_row_groups)],
        "page_index": [[md.row_group(g).column(c).has_column_index for c in range(md.num_columns)] for g in range(md.num_row_groups)],
        "offset_index": [[md.row_group(g).column(c).has_offset_index for c in range(md.num_columns)] for g in range(md.num_row_groups)]}
pq.ParquetFile(path, page_checksum_verification=True).read()
print(json.dumps(info))
"""#
