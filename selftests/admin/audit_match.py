#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""audit_match.py LOADS RECORDS: the audit records (ausearch output, one
op=jitseal_load record per line) match the loads audit_loads printed ("POOL
HEX" per load, HEX the segment digests LOAD returned): same count and order,
batch_sha256 = SHA-256 of the digests, the pool, two segments of 32 bytes,
and the task fields.  Exits 1 with the first difference."""
import hashlib
import re
import sys


def main():
    loads = [line.split() for line in open(sys.argv[1])]
    recs = [dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))
            for line in open(sys.argv[2])]
    if not loads or len(loads) != len(recs):
        sys.exit(f"{len(loads)} loads but {len(recs)} records")
    for (pool, digests), rec in zip(loads, recs):
        want = hashlib.sha256(bytes.fromhex(digests)).hexdigest()
        if rec.get("batch_sha256") != want:
            sys.exit(f"batch_sha256 {rec.get('batch_sha256')}, want {want}")
        if (rec.get("pool"), rec.get("segments"), rec.get("bytes")) != \
                (pool, "2", "64"):
            sys.exit(f"pool/segments/bytes differ: {rec}")
        for key in ("pid", "uid", "auid", "ses", "comm", "exe"):
            if key not in rec:
                sys.exit(f"no {key}= in {rec}")
        if rec["comm"] != '"audit_loads"':
            sys.exit(f"comm is {rec['comm']}")
    print(f"{len(recs)} records, digests equal")


main()
