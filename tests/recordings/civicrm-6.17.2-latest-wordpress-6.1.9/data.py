#!/usr/bin/env python3
"""Makes (setup) or removes (cleanup) the data of this recording on the real CiviCRM of tests/real/civicrm/setup.sh.

CIVI_API_URL and CIVI_API_KEY as in /var/lib/wordpress-civi/state.env. Prints the ids (for the README and the adapter).
"""
import json, os, sys, requests

URL = os.environ["CIVI_API_URL"]
KEY = os.environ["CIVI_API_KEY"]
AT = "2026-12-03 06:00:00"
LATER = "2026-12-03 06:10:00"
# Written exactly as the SDK writes a gave-up no_email record, with markup, emoji, CJK, right-to-left text and white space.
EXOTIC = "invalid_email: The primary email address '花子@例え' is not a valid address. <b>שלום</b> 😀 & \"q\"  "
NO_EMAIL = ("no_email: The contact has no primary email address. No more attempts (this was attempt 1): the contact "
            "leaves the trigger and is not tried again until it is added to it again.")


def call(entity, action, params):
    r = requests.post(URL + f"{entity}/{action}", data={"params": json.dumps(params)},
                      headers={"X-Civi-Auth": "Bearer " + KEY, "X-Requested-With": "XMLHttpRequest"})
    r.raise_for_status()
    return r.json()["values"]


def record(contact, status, details, at, deleted=False):
    values = {"activity_type_id:name": "User Account Creation", "status_id:name": status, "subject": "Failed to create User lr",
              "details": details, "source_contact_id": "user_contact_id", "target_contact_id": [contact], "source_record_id": contact,
              "activity_date_time": at, "is_deleted": deleted}
    return call("Activity", "create", {"values": values})[0]["id"]


def setup():
    group = call("Group", "save", {"records": [{"name": "lr_trigger", "title": "lr_trigger"}], "match": ["name"]})[0]["id"]
    ids = {}
    for name in ["Ria", "Sol", "Tia", "Uma", "Vic"]:
        ids[name] = call("Contact", "create", {"values": {"contact_type": "Individual", "first_name": name, "last_name": "Latest",
                                                          "external_identifier": "lr." + name.lower()}})[0]["id"]
        call("GroupContact", "create", {"values": {"group_id": group, "contact_id": ids[name], "status": "Added"}})
    acts = {
        "ria_failed": record(ids["Ria"], "Failed", EXOTIC, AT),
        "sol_failed": record(ids["Sol"], "Failed", NO_EMAIL, AT),
        "sol_completed": record(ids["Sol"], "Completed", "Rule members.", AT),
        "uma_failed": record(ids["Uma"], "Failed", NO_EMAIL, AT),
        "uma_deleted": record(ids["Uma"], "Completed", "deleted", LATER, deleted=True),
        "vic_failed": record(ids["Vic"], "Failed", NO_EMAIL, AT),
        "vic_scheduled": record(ids["Vic"], "Scheduled", "In progress.", LATER),
    }
    print(json.dumps({"group": group, "contacts": ids, "activities": acts}, indent=1))


def cleanup():
    contacts = [c["id"] for c in call("Contact", "get", {"select": ["id"], "where": [["external_identifier", "LIKE", "lr.%"]]})]
    if contacts:
        acts = sorted({r["activity_id"] for r in call("ActivityContact", "get", {"select": ["activity_id"], "where": [["contact_id", "IN", contacts]]})})
        if acts:
            call("Activity", "delete", {"where": [["id", "IN", acts]]})
        call("Contact", "delete", {"where": [["id", "IN", contacts]], "useTrash": False})
    call("Group", "delete", {"where": [["name", "=", "lr_trigger"]]})


{"setup": setup, "cleanup": cleanup}[sys.argv[1]]()
