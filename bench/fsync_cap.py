"""The disk's cap on SQLite commits: how long a one-row commit takes with WAL and synchronous=FULL.

SQLite lets one writer at a time hold the write lock, and with synchronous=FULL each commit
fsyncs the WAL before the lock is dropped, so commits (and so check-ins) per second on one
database file can never exceed 1 / the mean commit time, however little the app itself costs.
`python -m bench.fsync_cap [--commits 600] [--folder DIR]` (DIR: on the database's disk).
"""

import argparse
import os
import sqlite3
import statistics
import tempfile
import time


def _report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    mean = statistics.mean(ms)
    print(f"{name:<22} median {statistics.median(ms):5.2f} ms  p90 {ms[int(0.9 * (len(ms) - 1))]:5.2f} ms  "
          f"mean {mean:5.2f} ms  -> at most {1000 / mean:4.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--folder", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        con = sqlite3.connect(os.path.join(folder, "cap.sqlite"), isolation_level=None)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = FULL")  # the app's setting (SQLite's default)
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        commits = []
        for _ in range(args.commits):
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
            start = time.perf_counter()
            con.execute("COMMIT")
            commits.append(time.perf_counter() - start)
        con.close()
        fsyncs = []
        fd = os.open(os.path.join(folder, "plain"), os.O_WRONLY | os.O_CREAT)
        try:
            for _ in range(args.commits):
                os.write(fd, b"y" * 4096)
                start = time.perf_counter()
                os.fsync(fd)
                fsyncs.append(time.perf_counter() - start)
        finally:
            os.close(fd)
    print(f"load average {os.getloadavg()[0]:.1f}")
    _report("SQLite commit (FULL)", commits)
    _report("write + fsync, 4 KiB", fsyncs)


if __name__ == "__main__":
    main()
