#!/usr/bin/env python3
"""Records what CiviCRM prints for money, decimal, text-with-HTML, note and yes/no custom fields in a plain-text
token, and the |boolean filter (tests/recordings/civicrm-6.17.2-money-wordpress-6.1.9, replayed by
MoneyRecordingTests).

  record_money.py PROXY_BASE   e.g. http://127.0.0.1:8097/ while record_proxy.py forwards 8097 to the site

Reads CIVI_SITE_URL and CIVI_API_KEY from /var/lib/wordpress-civi/state.env. Makes a custom group `money21_g` and a
contact `money21-Money money21-Tokens` directly on the site (not recorded), sends each case's Contact.update, the
SDK-shaped Contact.get and a WorkflowMessage.render of the pattern through the proxy (recorded), then deletes the
contact (purged), the fields and the group.
"""
import json, sys, urllib.error, urllib.parse, urllib.request

state = dict(l.strip().split("=", 1) for l in open("/var/lib/wordpress-civi/state.env") if "=" in l)
SITE = state["CIVI_SITE_URL"].strip("'")
KEY = state["CIVI_API_KEY"].strip("'")
PROXY = sys.argv[1]


def call(base, entity, action, params):
    body = urllib.parse.urlencode({"params": json.dumps(params)}).encode()
    url = base + "?" + urllib.parse.urlencode({"civiwp": "CiviCRM", "q": f"civicrm/ajax/api4/{entity}/{action}"})
    req = urllib.request.Request(url, data=body, headers={
        "X-Civi-Auth": "Bearer " + KEY, "X-Requested-With": "XMLHttpRequest",
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["values"]
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{entity}.{action}: {e.code} {e.read()[:300]!r}") from None


def clean_up():
    """Deletes the contact (purged), the fields and the group, whatever a run left."""
    for c in call(SITE, "Contact", "get", {"select": ["id"], "where": [["last_name", "=", "money21-Tokens"]], "checkPermissions": False}):
        call(SITE, "Contact", "delete", {"where": [["id", "=", c["id"]]], "useTrash": False})
    for g in call(SITE, "CustomGroup", "get", {"select": ["id"], "where": [["name", "=", "money21_g"]]}):
        for f in call(SITE, "CustomField", "get", {"select": ["id"], "where": [["custom_group_id", "=", g["id"]]]}):
            call(SITE, "CustomField", "delete", {"where": [["id", "=", f["id"]]]})
        call(SITE, "CustomGroup", "delete", {"where": [["id", "=", g["id"]]]})


FIELDS = [  # name, data_type, html_type
    ("m21_money", "Money", "Text"),
    ("m21_float", "Float", "Text"),
    ("m21_text", "String", "Text"),
    ("m21_memo", "Memo", "TextArea"),
    ("m21_bool", "Boolean", "Radio"),
]

CASES = [
    {"m21_money": 0, "m21_float": 0, "m21_text": "😀 &amp; 中文", "m21_memo": "a\n<b>b</b>", "m21_bool": False},
    {"m21_money": -1234.5, "m21_float": -0.0001, "m21_text": "<b>مرحبا</b> &lt;3", "m21_memo": "0\n", "m21_bool": True},
    {"m21_money": 1234567.891, "m21_float": 1234.5675, "m21_text": "&#x1F600;&nbsp;0", "m21_memo": "<p>x</p>\n<p>y</p>"},
    {"m21_money": 12345678901234.56, "m21_float": 12345678901234.5, "m21_text": "<p>a</p><p>b</p>", "m21_memo": "&amp;"},
    {"m21_money": 987654321098.76, "m21_float": 3.14159265358979, "m21_text": "a<br>b"},
    {"m21_money": 0.005, "m21_float": -1234567.5, "m21_text": "<script>x</script>y"},
    {"m21_money": -0.001, "m21_float": 0.0004, "m21_text": "<a href=\"http://x.example\">t</a> 中"},
    {"m21_money": 99.999, "m21_float": 0.30000000000000004, "m21_text": "&bogus; &amp &AMP; &#0;x"},
    {"m21_money": None, "m21_float": None, "m21_text": "İ&shy;ß\u200f&rlm;עברית‎ <i></i>0"},
    {"m21_text": "0<!-- c -->"},
    {"m21_text": "<i></i>0"},
    {"m21_text": "a <3 b <b"},
    {"m21_text": "x<div>y</div>z &lt;b&gt;"},
    {"m21_text": None, "m21_bool": None},
    {"birth_date": "2000-02-29", "m21_text": "{contact.first_name}"},
]


def main():
    clean_up()
    try:
        record()
    finally:
        clean_up()
        print("cleaned up")


def record():
    group = call(SITE, "CustomGroup", "create", {"values": {"name": "money21_g", "title": "money21 group", "extends": "Individual"}})[0]
    ids = {}
    for name, data_type, html_type in FIELDS:
        values = {"custom_group_id": group["id"], "name": name, "label": "money21 " + name, "data_type": data_type, "html_type": html_type}
        ids[name] = call(SITE, "CustomField", "create", {"values": values})[0]["id"]
    contact = call(SITE, "Contact", "create", {"values": {"contact_type": "Individual", "first_name": "money21-Money", "last_name": "money21-Tokens"}})[0]["id"]
    print("group", group["id"], "fields", ids, "contact", contact)
    m, f, t, n, b = (ids[x[0]] for x in FIELDS)
    pattern = "¦¦".join([
        f"{{contact.custom_{m}}}", f"{{contact.custom_{m}|boolean}}", f"{{contact.custom_{m}|default:\"none\"}}",
        f"{{contact.custom_{f}}}", f"{{contact.custom_{f}|boolean}}", f"{{contact.custom_{f}|default:\"none\"}}",
        f"{{contact.custom_{t}}}", f"{{contact.custom_{t}|boolean}}", f"{{contact.custom_{t}|upper}}", f"{{contact.custom_{t}|default:\"none\"}}",
        f"{{contact.custom_{n}}}", f"{{contact.custom_{n}|boolean}}",
        f"{{contact.custom_{b}}}", f"{{contact.custom_{b}|boolean}}",
        "{contact.first_name|boolean}", "{contact.birth_date|boolean}", "{contact.nick_name|boolean}",
    ])
    select = ["id"] + [f"money21_g.{name}" + (":label" if data_type == "Boolean" else "") for name, data_type, _ in FIELDS] + ["birth_date"]
    for case in CASES:
        values = {(k if k == "birth_date" else "money21_g." + k): v for k, v in case.items()}
        call(PROXY, "Contact", "update", {"where": [["id", "=", contact]], "values": values})
        call(PROXY, "Contact", "get", {"select": select, "where": [["id", "=", contact]]})
        rendered = call(PROXY, "WorkflowMessage", "render", {
            "workflow": "generic", "values": {"contactID": contact},
            "messageTemplate": {"msg_subject": pattern, "msg_text": "", "msg_html": ""}})
        print(json.dumps(rendered[0]["subject"], ensure_ascii=False))


main()
