#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Contacts whose account creation failed, for timing `cmsuser failures` on the real CiviCRM (manual, not run by CI).

    python3 failed_contacts.py create [--count 400] [--prefix failures20]
    python3 failed_contacts.py cleanup [--prefix failures20]

Reads CIVI_API_URL and CIVI_API_KEY from /var/lib/wordpress-civi/state.env (tests/real/civicrm/setup.sh writes it) or
the environment. `create` makes COUNT contacts whose last name starts with `PREFIX-` (no email, no account), each with
one Failed "User Account Creation" activity of the last hour, and spreads them over two rules' triggers: about 60 % in
the group `PREFIX-trigger`, 10 % Removed from it (gave up), 15 % in the tag `PREFIX-tag`, 15 % in neither. Everything
goes through API v4, 200 records a call. `cleanup` deletes the activities, contacts, group and tag of the prefix.
"""
import argparse
import datetime
import json
import random
import sys

import bulk_import


def api4(entity, action, params):
    """The values of an API v4 call (bulk_import.api4 answers the whole result)."""
    return bulk_import.api4(entity, action, params)["values"]


def create(args):
    p = args.prefix
    rng = random.Random(20)
    group = api4("Group", "save", {"match": ["name"], "records": [{"name": f"{p}-trigger", "title": f"{p}-trigger"}]})[0]["id"]
    api4("Group", "save", {"match": ["name"], "records": [{"name": f"{p}-done", "title": f"{p}-done"}]})
    tag = api4("Tag", "save", {"match": ["name"], "records": [{"name": f"{p}-tag", "label": f"{p}-tag", "used_for": ["civicrm_contact"]}]})[0]["id"]
    api4("Tag", "save", {"match": ["name"], "records": [{"name": f"{p}-tag-done", "label": f"{p}-tag-done", "used_for": ["civicrm_contact"]}]})
    ids = []
    for i in range(0, args.count, 200):
        n = min(200, args.count - i)
        ids += [v["id"] for v in api4("Contact", "save", {"records": [
            {"contact_type": "Individual", "first_name": f"Failed{i + j}", "last_name": f"{p}-contact"} for j in range(n)]})]
    where = {cid: rng.choices(["group", "removed", "tag", "none"], [60, 10, 15, 15])[0] for cid in ids}
    at = (datetime.datetime.now() - datetime.timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S")
    for i in range(0, len(ids), 200):
        chunk = ids[i:i + 200]
        api4("Activity", "save", {"records": [{
            "activity_type_id:name": "User Account Creation", "status_id:name": "Failed", "source_contact_id": "user_contact_id",
            "target_contact_id": [cid], "source_record_id": cid, "subject": "Account creation failed",
            "details": "no_email: The contact has no primary email address.", "activity_date_time": at} for cid in chunk]})
        groups = [{"group_id": group, "contact_id": cid, "status": "Added"} for cid in chunk if where[cid] in ("group", "removed")]
        if groups:
            api4("GroupContact", "save", {"records": groups})
        removed = [{"group_id": group, "contact_id": cid, "status": "Removed"} for cid in chunk if where[cid] == "removed"]
        if removed:
            api4("GroupContact", "save", {"match": ["group_id", "contact_id"], "records": removed})
        tags = [{"entity_table": "civicrm_contact", "entity_id": cid, "tag_id": tag} for cid in chunk if where[cid] == "tag"]
        if tags:
            api4("EntityTag", "save", {"records": tags})
    counts = {}
    for w in where.values():
        counts[w] = counts.get(w, 0) + 1
    print(json.dumps({"contacts": len(ids), "where": counts, "group": group, "tag": tag}))


def cleanup(args):
    p = args.prefix
    ids = [r["id"] for r in api4("Contact", "get", {"select": ["id"], "where": [["last_name", "LIKE", f"{p}-%"]], "limit": 0})]
    for i in range(0, len(ids), 200):
        chunk = ids[i:i + 200]
        api4("Activity", "delete", {"where": [["target_contact_id", "IN", chunk]]})
        api4("Contact", "delete", {"where": [["id", "IN", chunk]], "useTrash": False})
    api4("Group", "delete", {"where": [["name", "LIKE", f"{p}-%"]]})
    api4("Tag", "delete", {"where": [["name", "LIKE", f"{p}-%"]]})
    print(json.dumps({"contacts_deleted": len(ids)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["create", "cleanup"])
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--prefix", default="failures20")
    args = ap.parse_args()
    {"create": create, "cleanup": cleanup}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
