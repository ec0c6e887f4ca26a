#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A realistic, hostile bulk import on the real CiviCRM-in-WordPress (manual, not run by CI).

    python3 bulk_import.py create [--count 3000] [--prefix trial19]
    python3 bulk_import.py report [--prefix trial19]    # what CiviCRM and WordPress hold now
    python3 bulk_import.py cleanup [--prefix trial19]   # deletes every contact, group, activity, link, account

Reads CIVI_API_URL, CIVI_API_KEY, CIVI_SITE_URL, CIVI_WP_ADMIN_USER and CIVI_WP_APP_PASSWORD from
/var/lib/wordpress-civi/state.env (tests/real/civicrm/setup.sh writes it) or the environment.

What `create` makes (deterministic, seeded): COUNT contacts whose last name starts with `PREFIX-` and whose
email is at `PREFIX-bulk.example.net`, added to the group `PREFIX-trigger` (history group `PREFIX-done`), through
API v4 `Contact.save` and `GroupContact.save`, 200 records a call. Names in many scripts (Latin with precomposed
and combining accents, CJK, Korean, Arabic, Hebrew, Cyrillic, Greek, Devanagari, Thai, emoji and ZWJ sequences,
names over 64 characters, apostrophes, a right-to-left override), about 2 % without an email, pairs of contacts
sharing one email (the second in other letter case), and WordPress accounts made first through the REST API:
  - `orphan`: an account with a contact's email and no CiviCRM link (the site had users before CiviCRM): the
    run links it;
  - `other`: an account with a contact's email that CiviCRM's WordPress plugin linked to a contact of its own
    (a duplicate contact): the run must not take it;
  - `later`: an account made after the contacts, which the plugin links to the imported contact itself;
  - `taken`: an account whose username is what `{contact.first_name}.{contact.last_name}` gives an imported
    contact, with another email: the run numbers the username.
Every WordPress account's email is at `PREFIX-wp.example.net` unless it shares a contact's, and its last name
starts with `PREFIX-`, so `cleanup` finds the contacts CiviCRM's plugin made for them too.
"""
import argparse
import concurrent.futures
import json
import os
import random
import sys
import time
import unicodedata

import requests

STATE = "/var/lib/wordpress-civi/state.env"


def load_env():
    env = dict(os.environ)
    if os.path.exists(STATE):
        for line in open(STATE, encoding="utf-8"):
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env.setdefault(k, v.strip("'\""))
    return env


ENV = load_env()
SESSION = requests.Session()


def api4(entity, action, params, timeout=600):
    r = SESSION.post(ENV["CIVI_API_URL"] + f"{entity}/{action}", data={"params": json.dumps(params)},
                     headers={"X-Civi-Auth": "Bearer " + ENV["CIVI_API_KEY"],
                              "X-Requested-With": "XMLHttpRequest"}, timeout=timeout)
    if r.status_code != 200:
        raise RuntimeError(f"{entity}.{action}: HTTP {r.status_code} {r.text[:300]}")
    return r.json()


def wp(method, path, **kw):
    r = SESSION.request(method, ENV["CIVI_SITE_URL"].rstrip("/") + "/wp-json/" + path,
                        auth=(ENV["CIVI_WP_ADMIN_USER"], ENV["CIVI_WP_APP_PASSWORD"]), timeout=120, **kw)
    if r.status_code >= 400:
        raise RuntimeError(f"WordPress {method} {path}: HTTP {r.status_code} {r.text[:300]}")
    return r


FIRST = [
    "Ana", "João", "Zoë", "Zoe\u0308", "Chloe\u0301", "Łukasz", "Søren", "Đorđe", "Ñusta", "François", "İlkay",
    "Oğuz", "Ærwin", "Siobhán", "Mary-Jane", "D'Arcy", "Jean Paul", "Nguyễn", "Thị", "Ólafur",
    "王", "李小龍", "花子", "さくら", "김민준", "محمد", "فاطمة", "דוד", "שרה", "Иван", "Ольга", "Σωκράτης",
    "प्रिया", "สมชาย", "🦄", "Ana🌈", "👩\u200d💻", "🇧🇷Bruna", "", "Maximilianus" * 8,
]
LAST = [
    "Lima", "Müller", "Straße", "García", "O'Brien", "de la Cruz", "van der Berg", "Nørgaard", "Kowalski",
    "Dvořák", "Çelik", "Þórsson", "Nguyễn", "Ёлкин", "Смирнова", "Παπαδόπουλος", "山田", "佐藤", "이",
    "عبد الله", "כהן", "शर्मा", "ใจดี", "😀", "Wolfeschlegelsteinhausenbergerdorff" * 3,
    "Lopez\u0301", "Ab\u202eCd",  # a right-to-left override inside a name
]


def ascii_slug(text):
    s = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in s if c.isascii() and (c.isalnum()))
    return s.lower()[:20] or "x"


def build(count, prefix):
    rnd = random.Random(19)
    domain = f"{prefix}-bulk.example.net"
    contacts = []
    for i in range(count):
        first = rnd.choice(FIRST)
        last = f"{prefix}-{rnd.choice(LAST)}"
        email = f"{ascii_slug(first)}.{ascii_slug(last[len(prefix) + 1:])}.{i}@{domain}"
        if rnd.random() < 0.1:
            email = email.upper() if rnd.random() < 0.5 else email.capitalize()
        contacts.append({"first_name": first, "last_name": last, "email": email, "kind": "plain"})
    # ~2 % without an email
    for c in rnd.sample(contacts, count // 50):
        c["email"] = None
        c["kind"] = "no_email"
    plain = [c for c in contacts if c["kind"] == "plain"]
    rnd.shuffle(plain)
    pos = 0

    def take(n):
        nonlocal pos
        got = plain[pos:pos + n]
        pos += n
        return got

    # 1 % in pairs sharing one email (the second in other letter case)
    pairs = max(1, count // 200)
    for a, b in zip(take(pairs), take(pairs)):
        b["email"] = a["email"].swapcase()
        a["kind"], b["kind"] = "shared_a", "shared_b"
    scale = max(1, count // 300)
    for c in take(3 * scale):
        c["kind"] = "orphan"
    for c in take(scale):
        c["kind"] = "other"
    for c in take(scale):
        c["kind"] = "later"
    # usernames taken by another account: only plain Latin names, whose username is predictable
    latin = [c for c in plain[pos:] if c["first_name"] in ("Ana", "Mary-Jane") and c["last_name"].endswith(("Lima", "Kowalski"))]
    seen = set()
    for c in latin:
        if len(seen) < 2 * scale and username_of(c) not in seen:
            seen.add(username_of(c))
            c["kind"] = "taken"
    return contacts


def username_of(c):
    def part(s):
        return "".join(ch for ch in s.lower() if ch.isalnum() or ch in "-_.")
    return f"{part(c['first_name'])}.{part(c['last_name'])}"


def wp_user(username, email, prefix, note):
    return wp("POST", "wp/v2/users", json={
        "username": username, "email": email, "password": os.urandom(12).hex(),
        "first_name": "WP", "last_name": f"{prefix}-{note}", "roles": ["subscriber"]}).json()["id"]


def find_group(name):
    rows = api4("Group", "get", {"where": [["name", "=", name]], "select": ["id"]})["values"]
    return rows[0]["id"] if rows else None


def create(args):
    prefix = args.prefix
    t0 = time.time()
    contacts = build(args.count, prefix)
    gids = {}
    for name in (f"{prefix}-trigger", f"{prefix}-done"):
        gids[name] = api4("Group", "save", {"match": ["name"], "records": [
            {"name": name, "title": name}]})["values"][0]["id"]
    # accounts made before the import
    made = {"orphan": 0, "other": 0, "later": 0, "taken": 0}
    orphan_ids = []
    for c in contacts:
        if c["kind"] in ("orphan", "other"):
            uid = wp_user(f"{prefix}-wp-{c['kind']}-{made[c['kind']]}", c["email"], prefix, c["kind"])
            made[c["kind"]] += 1
            if c["kind"] == "orphan":
                orphan_ids.append(uid)
        elif c["kind"] == "taken":
            wp_user(username_of(c), f"taken-{made['taken']}@{prefix}-wp.example.net", prefix, "taken")
            made["taken"] += 1
    if orphan_ids:
        # the site had these users before CiviCRM: drop the links and contacts CiviCRM's plugin just made
        links = api4("UFMatch", "get", {"where": [["uf_id", "IN", orphan_ids]], "select": ["id", "contact_id"]})["values"]
        api4("UFMatch", "delete", {"where": [["uf_id", "IN", orphan_ids]]})
        cids = [l["contact_id"] for l in links]
        if cids:
            api4("Contact", "delete", {"where": [["id", "IN", cids]], "useTrash": False})
    t1 = time.time()
    ids = []
    batch = 200
    for i in range(0, len(contacts), batch):
        chunk = contacts[i:i + batch]
        recs = []
        for c in chunk:
            r = {"contact_type": "Individual", "first_name": c["first_name"], "last_name": c["last_name"]}
            if c["email"]:
                r["email_primary.email"] = c["email"]
            recs.append(r)
        res = api4("Contact", "save", {"records": recs})["values"]
        for c, v in zip(chunk, res):
            c["id"] = v["id"]
        ids += [v["id"] for v in res]
        print(f"  contacts {len(ids)}/{len(contacts)}  {time.time() - t1:.0f} s", file=sys.stderr)
    for i in range(0, len(ids), 500):
        api4("GroupContact", "save", {"records": [
            {"group_id": gids[f"{prefix}-trigger"], "contact_id": cid, "status": "Added"} for cid in ids[i:i + 500]]})
    t2 = time.time()
    for c in contacts:
        if c["kind"] == "later":
            wp_user(f"{prefix}-wp-later-{made['later']}", c["email"], prefix, "later")
            made["later"] += 1
    kinds = {}
    for c in contacts:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(contacts, f, ensure_ascii=False)
    print(json.dumps({"contacts": len(ids), "kinds": kinds, "wp_accounts": made, "groups": gids,
                      "seconds": {"wp_before": round(t1 - t0, 1), "contacts_and_group": round(t2 - t1, 1),
                                  "wp_after": round(time.time() - t2, 1)}}, ensure_ascii=False))


def prefixed_contacts(prefix):
    rows = api4("Contact", "get", {"select": ["id"], "where": [["OR", [
        ["last_name", "LIKE", f"{prefix}-%"], ["email_primary.email", "LIKE", f"%@{prefix}-%"]]]],
        "limit": 0})["values"]
    return [r["id"] for r in rows]


def prefixed_wp_users(prefix):
    out, page = [], 1
    while True:
        r = wp("GET", "wp/v2/users", params={"search": prefix, "context": "edit", "per_page": 100, "page": page})
        rows = r.json()
        out += [u for u in rows if u["username"].find(prefix) >= 0 or prefix in (u.get("email") or "")
                or u.get("last_name", "").startswith(prefix)]
        if page >= int(r.headers.get("X-WP-TotalPages", "1") or 1):
            return out
        page += 1


def report(args):
    p = args.prefix
    cids = prefixed_contacts(p)
    gids = {n: find_group(n) for n in (f"{p}-trigger", f"{p}-done")}
    out = {"contacts": len(cids)}
    for n, g in gids.items():
        out[n] = api4("GroupContact", "get", {"select": ["row_count"], "where": [
            ["group_id", "=", g], ["status", "=", "Added"]]})["count"] if g else None
    links = api4("UFMatch", "get", {"select": ["contact_id", "uf_id"], "where": [["contact_id", "IN", cids or [0]]],
                                    "limit": 0})["values"]
    out["ufmatch"] = len(links)
    out["ufmatch_contacts_with_two"] = len(cids and [1 for c in set(l["contact_id"] for l in links)
                                                      if sum(1 for l in links if l["contact_id"] == c) > 1])
    acts = api4("Activity", "get", {"select": ["status_id:name", "COUNT(id) AS n"], "groupBy": ["status_id:name"],
                                    "where": [["activity_type_id:name", "=", "User Account Creation"],
                                              ["target_contact_id", "IN", cids or [0]]]})["values"]
    out["activities"] = {a["status_id:name"]: a["n"] for a in acts}
    per = api4("Activity", "get", {"select": ["target_contact_id", "status_id:name"], "where": [
        ["activity_type_id:name", "=", "User Account Creation"], ["target_contact_id", "IN", cids or [0]]],
        "limit": 0})["values"]
    completed = {}
    for a in per:
        for t in a["target_contact_id"]:
            if a["status_id:name"] == "Completed":
                completed[t] = completed.get(t, 0) + 1
    out["contacts_with_two_completed"] = sum(1 for n in completed.values() if n > 1)
    users = prefixed_wp_users(p)
    emails = {}
    for u in users:
        e = (u.get("email") or "").lower()
        emails[e] = emails.get(e, 0) + 1
    out["wp_users"] = len(users)
    out["wp_emails_with_two_accounts"] = sum(1 for n in emails.values() if n > 1)
    print(json.dumps(out))


def cleanup(args):
    p = args.prefix
    users = prefixed_wp_users(p)
    # one account a request (WordPress has no bulk delete): a few at once
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(lambda u: wp("DELETE", f"wp/v2/users/{u['id']}", params={"force": "true", "reassign": 1}), users))
    cids = prefixed_contacts(p)
    for i in range(0, len(cids), 500):
        chunk = cids[i:i + 500]
        api4("Activity", "delete", {"where": [["target_contact_id", "IN", chunk]]})
        api4("UFMatch", "delete", {"where": [["contact_id", "IN", chunk]]})
        api4("Contact", "delete", {"where": [["id", "IN", chunk]], "useTrash": False})
    # the groups of this prefix and of longer ones made with it (`--prefix trial19-o` beside `trial19`)
    for g in api4("Group", "get", {"select": ["id", "name"], "where": [["name", "LIKE", f"{p}-%"]]})["values"]:
        if g["name"].endswith(("-trigger", "-done")):
            api4("Group", "delete", {"where": [["id", "=", g["id"]]]})
    print(json.dumps({"wp_users_deleted": len(users), "contacts_deleted": len(cids)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["create", "report", "cleanup"])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--prefix", default="trial19")
    ap.add_argument("--out", default="bulk-import-contacts.json")
    ap.add_argument("--workers", type=int, default=4, help="cleanup: WordPress accounts deleted at once")
    args = ap.parse_args()
    {"create": create, "report": report, "cleanup": cleanup}[args.command](args)


if __name__ == "__main__":
    main()
