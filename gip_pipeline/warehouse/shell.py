"""`gip sql`: SQL on the published warehouse, read-only, with the DuckDB the project installs
(no `duckdb` command needed). A query as argument prints its result; without one, a prompt
reads statements ending in `;` until an empty line at the prompt or end of input."""

from __future__ import annotations

import argparse
import sys

from gip_pipeline.warehouse.paths import warehouse_path

PROMPT, MORE = "gip> ", "...> "


def connect(path):
    import duckdb

    return duckdb.connect(str(path), read_only=True)


def run_query(con, sql: str, out, csv: bool = False) -> None:
    """A result as DuckDB's box table (long results shortened, with the row count), or as
    CSV in full."""
    rel = con.sql(sql)
    if rel is None:  # a statement without a result (SET, PRAGMA)
        return
    if csv:
        import io

        import pyarrow.csv as pcsv

        buf = io.BytesIO()
        pcsv.write_csv(rel.to_arrow_table(), buf)
        out.write(buf.getvalue().decode("utf-8"))
    else:
        out.write(str(rel))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip sql", description="Query the published DuckDB "
                                 "warehouse read-only: schemas core (tidy tables), staging, "
                                 "intermediate, marts (comparisons), reference (seeds).")
    ap.add_argument("query", nargs="?", help="one SQL statement; none: an interactive prompt")
    ap.add_argument("--data-dir", default=None, help="the data folder (default: $GIP_DATA_DIR, "
                    "else the repository's data/)")
    ap.add_argument("--csv", action="store_true", help="print the whole result as CSV")
    ap.add_argument("--tables", action="store_true", help="list the tables and views")
    args = ap.parse_args(argv)
    db = warehouse_path(args.data_dir)
    if not db.is_file():
        sys.stderr.write(f"gip sql: no warehouse at {db}: run `make run` first.\n")
        return 2
    import duckdb

    con = connect(db)
    try:
        if args.tables:
            args.query = ("select table_schema as schema, table_name as name, table_type as type "
                          "from information_schema.tables order by 1, 2")
        if args.query:
            try:
                run_query(con, args.query, sys.stdout, csv=args.csv)
            except duckdb.Error as e:
                sys.stderr.write(f"gip sql: {e}\n")
                return 1
            return 0
        return _prompt(con)
    finally:
        con.close()


def _prompt(con) -> int:
    import duckdb

    interactive = sys.stdin.isatty()
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history at the prompt)
        except ImportError:
            pass
        sys.stdout.write("Read-only warehouse. End a statement with ';'; an empty line quits.\n")
    buf: list[str] = []
    while True:
        try:
            line = input(MORE if buf else PROMPT) if interactive else sys.stdin.readline()
        except EOFError:
            line = ""
        if not interactive and line == "":
            break
        line = line.rstrip("\n")
        if not buf and not line.strip():
            if interactive:
                break
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            try:
                run_query(con, "\n".join(buf).rstrip().rstrip(";"), sys.stdout)
            except duckdb.Error as e:
                sys.stdout.write(f"error: {e}\n")
            buf = []
    if buf and "".join(buf).strip():
        run_query(con, "\n".join(buf), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
