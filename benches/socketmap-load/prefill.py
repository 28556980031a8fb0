#!/usr/bin/env python3
"""Fill the policy caches of mta-stsd and postfix-mta-sts-resolver (PMR) for run.sh.

Every cache gets N valid enforce policies for d0.<suffix> .. d<N-1>.<suffix>, fetched "now",
so that a load run is nothing but cache hits (no DNS, no HTTPS).

  prefill.py stsd DB N [SUFFIX]        rows in mta-stsd's SQLite table `policies`
  prefill.py pmr-sqlite DB N [SUFFIX]  rows in PMR's SQLite cache (table sts_policy_cache)
  prefill.py pmr-run N SUFFIX -- ARGS  run PMR's daemon (ARGS as for mta-sts-daemon) with
                                       its internal LRU cache filled first

PMR has no way to load its internal cache from outside, so `pmr-run` wraps its entry point:
it replaces `utils.create_cache` with a function that builds the cache PMR asked for and,
for the internal LRU, fills it with what PMR itself stores after a successful fetch (the
dict of `utils.parse_mta_sts_policy` with `max_age` made an int, in a `CacheEntry`).
"""

import json
import sqlite3
import sys
import time

POLICY = (
    "version: STSv1\n"
    "mode: enforce\n"
    "mx: mx1.example.com\n"
    "mx: *.mx.example.com\n"
    "max_age: 604800\n"
)
MAX_AGE = 604800
POLICY_ID = "20260101"


def domains(n, suffix):
    return ("d%d.%s" % (i, suffix) for i in range(n))


def fill_stsd(db, n, suffix):
    """Rows for every column the daemon's table has (it created the table on its first
    start; the columns are read back, so a new bookkeeping column only needs a line here)."""
    now = int(time.time())
    expires = now + MAX_AGE
    # Proactive refresh is due at fetched_at + min(max_age / 2, 1 day).
    refresh = now + min(MAX_AGE // 2, 86400)
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE IF NOT EXISTS policies(domain TEXT PRIMARY KEY, fetched_at INTEGER NOT NULL, "
        "expires_at INTEGER NOT NULL, refresh_at INTEGER NOT NULL, record TEXT NOT NULL)"
    )
    columns = [row[1] for row in con.execute("PRAGMA table_info(policies)")]

    def row(d):
        record = {
            "format": 1,
            "domain": d,
            "id": POLICY_ID,
            "fetched_at": now,
            "expires_at": expires,
            "policy": POLICY,
        }
        values = {
            "domain": d,
            "fetched_at": now,
            "expires_at": expires,
            "refresh_at": refresh,
            "record": json.dumps(record, separators=(",", ":")),
        }
        return [values[c] for c in columns]

    con.executemany(
        "INSERT OR REPLACE INTO policies (%s) VALUES (%s)"
        % (", ".join(columns), ", ".join("?" * len(columns))),
        (row(d) for d in domains(n, suffix)),
    )
    con.commit()
    con.close()


def pmr_body():
    from postfix_mta_sts_resolver import utils  # pylint: disable=import-outside-toplevel

    body = utils.parse_mta_sts_policy(POLICY)
    body["max_age"] = int(body["max_age"])
    return body


def fill_pmr_sqlite(db, n, suffix):
    # The schema of postfix_mta_sts_resolver.sqlite_cache.SqliteCache.setup() (1.5.1).
    now = int(time.time())
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    for q in (
        "create table if not exists proactive_fetch_ts "
        "(id integer primary key, last_fetch_ts integer)",
        "create table if not exists sts_policy_cache "
        "(domain text, ts integer, pol_id text, pol_body text)",
        "create unique index if not exists sts_policy_domain on sts_policy_cache (domain)",
        "create index if not exists sts_policy_domain_ts on sts_policy_cache (domain, ts)",
    ):
        con.execute(q)
    body = json.dumps(pmr_body())
    con.executemany(
        "insert or replace into sts_policy_cache (domain, ts, pol_id, pol_body) "
        "values (?, ?, ?, ?)",
        ((d, now, POLICY_ID, body) for d in domains(n, suffix)),
    )
    con.commit()
    con.close()


def run_pmr(n, suffix, argv):
    from postfix_mta_sts_resolver import daemon, utils  # pylint: disable=import-outside-toplevel
    from postfix_mta_sts_resolver.base_cache import CacheEntry  # pylint: disable=import-outside-toplevel
    from postfix_mta_sts_resolver.internal_cache import InternalLRUCache  # pylint: disable=import-outside-toplevel

    real_create_cache = utils.create_cache

    def create_cache(cache_type, options):
        cache = real_create_cache(cache_type, options)
        if isinstance(cache, InternalLRUCache):
            now = time.time()
            # One parsed dict per domain, as PMR keeps after fetching each one.
            for d in domains(n, suffix):
                cache._cache[d] = CacheEntry(now, POLICY_ID, pmr_body())  # pylint: disable=protected-access
            print("prefill: %d policies in PMR's internal cache" % len(cache._cache),  # pylint: disable=protected-access
                  file=sys.stderr, flush=True)
        return cache

    utils.create_cache = create_cache
    sys.argv = ["mta-sts-daemon"] + argv
    sys.exit(daemon.main())


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] in ("stsd", "pmr-sqlite"):
        suffix = args[3] if len(args) > 3 else "bench.test"
        {"stsd": fill_stsd, "pmr-sqlite": fill_pmr_sqlite}[args[0]](args[1], int(args[2]), suffix)
    elif len(args) >= 4 and args[0] == "pmr-run" and args[3] == "--":
        run_pmr(int(args[1]), args[2], args[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
