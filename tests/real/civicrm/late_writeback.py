#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plain contacts for a write-back fault run on the real CiviCRM, and what it left (manual, not run by CI).

    python3 late_writeback.py create --prefix rb23a [--count 20]   # contacts PREFIX-…, group PREFIX-trigger
    python3 late_writeback.py report --prefix rb23a [--proxy-log /tmp/proxy.jsonl]
    python3 bulk_import.py cleanup --prefix rb23a                  # removes them, their accounts and groups

`create` makes COUNT contacts with distinct emails at PREFIX-bulk.example.net (the names bulk_import.py's report and
cleanup find), in the group PREFIX-trigger, and the empty history group PREFIX-done. `report` counts, per contact,
UFMatch links, "User Account Creation" activities (by status) and civicrm_subscription_history rows (API v4
SubscriptionHistory), with the contacts that have more than one link, more than one Completed record, or more than
two history rows (a contact moved once has two: "Removed" from the trigger, "Added" to the history group); with a
proxy log (chaos_proxy.py), the write requests by label, so the requests sent again after a lost answer are counted.
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bulk_import as bi  # noqa: E402  (its API v4 and WordPress helpers, its cleanup)


def create(args):
    p = args.prefix
    gids = {}
    for name in (f"{p}-trigger", f"{p}-done"):
        gids[name] = bi.api4("Group", "save", {"match": ["name"], "records": [{"name": name, "title": name}]})["values"][0]["id"]
    recs = [{"contact_type": "Individual", "first_name": f"Late{i}", "last_name": f"{p}-Write",
             "email_primary.email": f"late{i}@{p}-bulk.example.net"} for i in range(args.count)]
    ids = [v["id"] for v in bi.api4("Contact", "save", {"records": recs})["values"]]
    bi.api4("GroupContact", "save", {"records": [{"group_id": gids[f"{p}-trigger"], "contact_id": c, "status": "Added"} for c in ids]})
    print(json.dumps({"contacts": len(ids), "groups": gids}))


def report(args):
    p = args.prefix
    found = bi.prefixed_contacts(p)
    cids = found or [0]
    out = {"contacts": len(found)}
    links = bi.api4("UFMatch", "get", {"select": ["contact_id"], "where": [["contact_id", "IN", cids]], "limit": 0})["values"]
    per = collections.Counter(l["contact_id"] for l in links)
    out["ufmatch"] = len(links)
    out["contacts_with_two_links"] = sum(1 for n in per.values() if n > 1)
    acts = bi.api4("Activity", "get", {"select": ["target_contact_id", "status_id:name"], "where": [
        ["activity_type_id:name", "=", "User Account Creation"], ["target_contact_id", "IN", cids]], "limit": 0})["values"]
    out["activities"] = dict(collections.Counter(a["status_id:name"] for a in acts))
    completed = collections.Counter(t for a in acts if a["status_id:name"] == "Completed" for t in a["target_contact_id"])
    out["contacts_with_two_completed"] = sum(1 for n in completed.values() if n > 1)
    gids = [g for g in (bi.find_group(f"{p}-trigger"), bi.find_group(f"{p}-done")) if g]
    hist = bi.api4("SubscriptionHistory", "get", {"select": ["contact_id", "group_id", "status"], "where": [
        ["contact_id", "IN", cids], ["group_id", "IN", gids or [0]]], "limit": 0})["values"]
    out["subscription_history"] = len(hist)
    hper = collections.Counter(h["contact_id"] for h in hist)
    # each contact was added to the trigger once (one row) before the run
    out["contacts_with_more_than_three_history_rows"] = sum(1 for n in hper.values() if n > 3)
    for name, g in ((f"{p}-trigger", gids[0] if gids else None), (f"{p}-done", gids[1] if len(gids) > 1 else None)):
        out[name] = bi.api4("GroupContact", "get", {"select": ["row_count"], "where": [
            ["group_id", "=", g], ["status", "=", "Added"]]})["count"] if g else None
    if args.proxy_log:
        writes = collections.Counter()
        for line in open(args.proxy_log, encoding="utf-8"):
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if "status" not in row and "action" not in row:
                continue  # an arrival line
            label = row.get("label", "")
            head = label.split(" {", 1)[0]
            if any(w in head for w in ("save", "delete", "create", "update")):
                writes[head[:120]] += 1
        out["proxy_writes"] = dict(writes)
    print(json.dumps(out, ensure_ascii=False))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["create", "report"])
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--proxy-log")
    args = ap.parse_args()
    {"create": create, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
