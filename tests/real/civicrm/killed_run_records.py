#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Records a killed run left Scheduled, settled by the next run (manual, not run by CI; session 20).

    python3 killed_run_records.py create  [--count 20] [--prefix sched20]
    python3 killed_run_records.py count   [--prefix sched20]   # creation records per status, accounts, trigger
    python3 killed_run_records.py cleanup [--prefix sched20]

`create` makes COUNT contacts `Taken{i} PREFIX-x` (email `taken{i}@PREFIX-bulk.example.net`) in the group
`PREFIX-trigger` (history `PREFIX-done`), and for each a WordPress account that holds the username the default
pattern gives it (`taken{i}.PREFIX-x`) with another email (`other{i}@PREFIX-wp.example.net`). With
`CmsUser__NumberTakenUsernames=false` every create is refused as a taken username and the look-ups find no account
with the contact's email: each contact fails with `duplicate_username`.

The kill itself is done by hand (docs/reliability.md, "Records a killed run left Scheduled"): `chaos_proxy.py` holds
the page's write-back (`hang`), the CLI is killed with SIGKILL while it waits, and a normal run follows.

Reads CIVI_API_URL, CIVI_API_KEY, CIVI_SITE_URL, CIVI_WP_ADMIN_USER and CIVI_WP_APP_PASSWORD from
/var/lib/wordpress-civi/state.env or the environment.
"""
import argparse
import json

from bulk_import import api4, find_group, prefixed_contacts, prefixed_wp_users, wp


def create(args):
    p = args.prefix
    gids = {}
    for name in (f"{p}-trigger", f"{p}-done"):
        gids[name] = api4("Group", "save", {"match": ["name"], "records": [{"name": name, "title": name}]})["values"][0]["id"]
    for i in range(args.count):
        wp("POST", "wp/v2/users", json={"username": f"taken{i}.{p}-x", "email": f"other{i}@{p}-wp.example.net",
                                         "password": f"Pw-{p}-{i}-not-used-9!", "first_name": "Other",
                                         "last_name": f"{p}-wp"})
    recs = [{"contact_type": "Individual", "first_name": f"Taken{i}", "last_name": f"{p}-x",
             "email_primary.email": f"taken{i}@{p}-bulk.example.net"} for i in range(args.count)]
    ids = [v["id"] for v in api4("Contact", "save", {"records": recs})["values"]]
    api4("GroupContact", "save", {"records": [
        {"group_id": gids[f"{p}-trigger"], "contact_id": cid, "status": "Added"} for cid in ids]})
    print(json.dumps({"contacts": len(ids), "groups": gids}))


def count(args):
    p = args.prefix
    # the imported contacts only (not the ones CiviCRM's plugin made for the WordPress accounts)
    cids = [r["id"] for r in api4("Contact", "get", {"select": ["id"], "where": [["last_name", "=", f"{p}-x"]], "limit": 0})["values"]]
    trigger = find_group(f"{p}-trigger")
    rows = api4("Activity", "get", {"select": ["status_id:name", "COUNT(id) AS n"], "groupBy": ["status_id:name"],
                                    "where": [["activity_type_id:name", "=", "User Account Creation"],
                                              ["target_contact_id", "IN", cids or [0]]]})["values"]
    per = api4("Activity", "get", {"select": ["target_contact_id", "status_id:name"], "where": [
        ["activity_type_id:name", "=", "User Account Creation"], ["target_contact_id", "IN", cids or [0]]],
        "limit": 0})["values"]
    both = {}
    for a in per:
        for t in a["target_contact_id"]:
            both.setdefault(t, set()).add(a["status_id:name"])
    in_trigger = api4("GroupContact", "get", {"select": ["row_count"], "where": [
        ["group_id", "=", trigger], ["status", "=", "Added"]]})["count"] if trigger else None
    links = api4("UFMatch", "get", {"select": ["id"], "where": [["contact_id", "IN", cids or [0]]], "limit": 0})["values"]
    print(json.dumps({"contacts": len(cids), "records": {r["status_id:name"]: r["n"] for r in rows},
                      "contacts_with_scheduled_and_failed": sum(1 for s in both.values() if {"Scheduled", "Failed"} <= s),
                      "in_trigger": in_trigger, "links": len(links)}))


def cleanup(args):
    p = args.prefix
    users = prefixed_wp_users(p)
    for u in users:
        wp("DELETE", f"wp/v2/users/{u['id']}", params={"force": "true", "reassign": 1})
    cids = prefixed_contacts(p)
    if cids:
        api4("Activity", "delete", {"where": [["target_contact_id", "IN", cids]]})
        api4("UFMatch", "delete", {"where": [["contact_id", "IN", cids]]})
        api4("Contact", "delete", {"where": [["id", "IN", cids]], "useTrash": False})
    for g in api4("Group", "get", {"select": ["id", "name"], "where": [["name", "LIKE", f"{p}-%"]]})["values"]:
        if g["name"].endswith(("-trigger", "-done")):
            api4("Group", "delete", {"where": [["id", "=", g["id"]]]})
    print(json.dumps({"wp_users_deleted": len(users), "contacts_deleted": len(cids)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["create", "count", "cleanup"])
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--prefix", default="sched20")
    args = ap.parse_args()
    {"create": create, "count": count, "cleanup": cleanup}[args.command](args)


if __name__ == "__main__":
    main()
