"""pyiceberg's side of Benchmarks/rowlevel.sh, and the helpers that prepare and check its inputs.

    rowlevel.py delete   CATALOG WAREHOUSE TABLE WHERE        copy-on-write delete (timed in process)
    rowlevel.py upsert   CATALOG WAREHOUSE TABLE FILE KEY     upsert by key (timed in process)
    rowlevel.py prepare  CATALOG WAREHOUSE TABLE NEWTABLE OUT ROWS
        writes OUT.parquet: ROWS/2 rows of TABLE with changed values (sc_bytes + 1, every
        (len/(ROWS/2))-th row) and ROWS/2 rows of NEWTABLE whose keys TABLE does not hold
    rowlevel.py checksum CATALOG WAREHOUSE TABLE              rows, distinct keys, sum(hash(row))

The checksum is computed by pyiceberg's scan and DuckDB for both tables alike, so our table is
checked by readers that are not ours. Each timed command prints "pyiceberg-op-seconds N" (the
operation alone, without interpreter start-up and imports) on standard error.
"""
import sys
import time

from pyiceberg.catalog.sql import SqlCatalog


def open_table(catalog, warehouse, name):
    return SqlCatalog("default", uri=f"sqlite:///{catalog}", warehouse=f"file://{warehouse}").load_table(name)


def main(argv):
    command, catalog, warehouse, name = argv[1:5]
    table = open_table(catalog, warehouse, name)
    if command == "delete":
        start = time.perf_counter()
        table.delete(delete_filter=argv[5])
        print(f"pyiceberg-op-seconds {time.perf_counter() - start:.3f}", file=sys.stderr)
    elif command == "upsert":
        import pyarrow.parquet as pq

        start = time.perf_counter()
        source = pq.read_table(argv[5])
        result = table.upsert(source, join_cols=argv[6].split(","))
        print(f"pyiceberg-op-seconds {time.perf_counter() - start:.3f}", file=sys.stderr)
        print(f"updated {result.rows_updated}, inserted {result.rows_inserted}")
    elif command == "prepare":
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        new_table, out, rows = argv[5], argv[6], int(argv[7])
        half = rows // 2
        existing = table.scan().to_arrow()
        step = max(1, existing.num_rows // half)
        changed = existing.take(pa.array(range(0, step * half, step)))
        changed = changed.set_column(
            changed.schema.get_field_index("sc_bytes"), "sc_bytes", pc.add(changed["sc_bytes"], 1))
        fresh = open_table(catalog, warehouse, new_table).scan(limit=half).to_arrow()
        known = set(existing["x_edge_request_id"].to_pylist())
        if any(key in known for key in fresh["x_edge_request_id"].to_pylist()):
            sys.exit("prepare: a new row's key is already in the table")
        if changed.num_rows != half or fresh.num_rows != half:
            sys.exit(f"prepare: {changed.num_rows} changed and {fresh.num_rows} new rows, wanted {half} each")
        from pyiceberg.io.pyarrow import schema_to_pyarrow

        # Written with the table's Iceberg field ids (pyiceberg's Arrow schema of the table carries
        # them as field metadata), which our CLI reads the file by.
        schema = schema_to_pyarrow(table.schema())
        pq.write_table(pa.concat_tables([changed.cast(schema), fresh.cast(schema)]), out, compression="zstd")
    elif command == "checksum":
        import duckdb

        rows = table.scan().to_arrow()
        count, keys, digest = duckdb.sql(
            "SELECT count(*), count(DISTINCT x_edge_request_id), sum(hash(r)::HUGEINT) FROM rows r").fetchone()
        print(f"rows={count} keys={keys} hash={digest}")
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
