#!/usr/bin/env python3
"""A fault-injecting reverse proxy for the real CiviCRM (manual, not run by CI).

  chaos_proxy.py LISTEN_PORT UPSTREAM_BASE RULES.json LOG.jsonl

Forwards each HTTP/1.1 request (keep-alive kept) to UPSTREAM_BASE with Host rewritten to the
upstream's, except when a rule of RULES.json matches. RULES.json is read again when it changes,
so faults are switched without a restart (an absent file or [] means no fault):

  [{"match": "Activity.save", "skip": 0, "times": 1, "action": "cut_after"}]

"match" is a regular expression searched in the request's label: "Entity.action" of the URL
followed by " key=Entity.action" for each chained call in the order sent (e.g.
"Contact.get links=UFMatch.save activities=Activity.save discard=Activity.delete ..."), then
the decoded params. "skip" lets that many matching requests through first; "times" is how
many requests the rule then hits (-1: every one). Actions:

  refuse        close the connection after reading the request; CiviCRM never sees it
  cut_after     forward, let CiviCRM answer (and commit), close without answering
  truncate      forward, send the headers and half the body, close
  hang          do not forward; hold the connection open until the client gives up
  hang_after    forward, then hold the connection open without answering
  late          hold the request for "delay" seconds (past the client's timeout), then forward
                it (CiviCRM carries it out) and close without answering: a request that waited
                in a busy server's queue and ran after the client gave up
  html500       do not forward; answer 500 with a PHP fatal error page (text/html)
  html500_after forward (CiviCRM commits), then answer the PHP fatal page instead
  break_part    rewrite the params so the chained call named by "part" (e.g. "activities")
                fails inside CiviCRM: its first record (or its "values") gets the fields of
                "set" (default: an activity type that does not exist; {"contact_id": 999999999}
                on "trigger" gives MariaDB's foreign-key error, "DB Error: constraint
                violation"), forward: the real server runs the calls before it and answers
                the failing call's error

Every request is logged when it arrives (seq, label's first 80 chars) and when it is done as one
JSON line: seq, arrival time ("t", and "at" in Unix seconds with milliseconds), label (first 300 chars), action,
status, done time, and "ms" from arrival until the upstream answered (to count a call's sequential round trips).
No credential is logged.
"""
import json, os, re, socket, sys, threading, time, urllib.parse, http.client

PHP_FATAL = (b"<br />\n<b>Fatal error</b>:  Allowed memory size of 268435456 bytes exhausted "
             b"(tried to allocate 20480 bytes) in <b>/var/www/CRM/Core/DAO.php</b> on line <b>1</b><br />\n")

lock = threading.Lock()
state = {"mtime": None, "rules": [], "hits": [], "seq": 0}


def load_rules(path):
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        mtime = -1
    if mtime != state["mtime"]:
        rules = []
        if mtime != -1:
            with open(path, encoding="utf-8") as f:
                text = f.read().strip()
            rules = json.loads(text) if text else []
        state.update(mtime=mtime, rules=rules, hits=[0] * len(rules))


def label_of(path, body):
    m = re.search(r"civicrm/ajax/api4/([A-Za-z]+)/([A-Za-z]+)", urllib.parse.unquote(path))
    label = f"{m.group(1)}.{m.group(2)}" if m else path
    params = {}
    for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        if k == "params":
            try:
                params = json.loads(v)
            except ValueError:
                pass
    chain = params.get("chain") if isinstance(params, dict) else None
    if isinstance(chain, dict):
        for key, call in chain.items():
            if isinstance(call, list) and len(call) >= 2:
                label += f" {key}={call[0]}.{call[1]}"
    return label + " " + json.dumps(params, ensure_ascii=False), params


def choose(label):
    with lock:
        load_rules(sys.argv[3])
        state["seq"] += 1
        seq = state["seq"]
        for i, rule in enumerate(state["rules"]):
            if re.search(rule["match"], label):
                state["hits"][i] += 1
                n = state["hits"][i] - rule.get("skip", 0)
                times = rule.get("times", 1)
                if n >= 1 and (times < 0 or n <= times):
                    return seq, rule
        return seq, None


def log(entry):
    with lock:
        with open(sys.argv[4], "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def read_request(rf):
    line = rf.readline(65537)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = []
    while True:
        h = rf.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers.append((k.strip(), v.strip()))
    n = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
    body = rf.read(n) if n else b""
    return method, target, headers, body


def break_part(params, rule):
    call = params["chain"][rule["part"]]
    records = call[2].get("records") or [call[2].setdefault("values", {})]
    records[0].update(rule.get("set") or {"activity_type_id:name": "chaos18_no_such_type"})
    return params


def forward(upstream, method, target, headers, body):
    conn = http.client.HTTPConnection(upstream.hostname, upstream.port or 80, timeout=600)
    try:
        sent = [(k, v) for k, v in headers if k.lower() not in ("host", "connection", "content-length")]
        sent.append(("Host", upstream.netloc))
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in sent:
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.reason, resp.getheaders(), resp.read()
    finally:
        conn.close()


def answer(sock, status, reason, headers, body, cut_at=None):
    head = f"HTTP/1.1 {status} {reason}\r\n"
    for k, v in headers:
        if k.lower() not in ("transfer-encoding", "connection", "content-length", "keep-alive"):
            head += f"{k}: {v}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    sock.sendall(head.encode("latin-1") + (body if cut_at is None else body[:cut_at]))


def hold(sock):
    # Wait until the client closes its end (its timeout); never answer.
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


def serve(sock, upstream):
    rf = sock.makefile("rb")
    try:
        while True:
            req = read_request(rf)
            if req is None:
                return
            method, target, headers, body = req
            label, params = label_of(target, body)
            seq, rule = choose(label)
            action = rule["action"] if rule else "pass"
            arrived = time.time()
            entry = {"seq": seq, "t": time.strftime("%H:%M:%S"), "label": label[:300], "action": action,
                     "at": round(arrived, 3)}
            log({"seq": seq, "t": entry["t"], "arrived": label[:80]})
            if action == "refuse":
                log(entry)
                return
            if action == "hang":
                log(entry)
                hold(sock)
                return
            if action == "html500":
                entry["status"] = 500
                log(entry)
                answer(sock, 500, "Internal Server Error", [("Content-Type", "text/html; charset=UTF-8")], PHP_FATAL)
                continue
            if action == "late":
                time.sleep(rule.get("delay", 15))
            if action == "break_part":
                params = break_part(params, rule)
                form = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                form["params"] = json.dumps(params)
                body = urllib.parse.urlencode(form).encode("utf-8")
            status, reason, rheaders, rbody = forward(upstream, method, target, headers, body)
            entry["status"] = status
            entry["done"] = time.strftime("%H:%M:%S")
            entry["ms"] = round((time.time() - arrived) * 1000)
            if action == "break_part":
                entry["answer"] = rbody[:300].decode("utf-8", "replace")
            log(entry)
            if action in ("cut_after", "late"):
                return
            if action == "hang_after":
                hold(sock)
                return
            if action == "html500_after":
                answer(sock, 500, "Internal Server Error", [("Content-Type", "text/html; charset=UTF-8")], PHP_FATAL)
                continue
            if action == "truncate":
                answer(sock, status, reason, rheaders, rbody, cut_at=len(rbody) // 2)
                return
            answer(sock, status, reason, rheaders, rbody)
    except (OSError, ValueError) as e:
        log({"error": repr(e)})
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def main():
    upstream = urllib.parse.urlsplit(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1])))
    srv.listen(64)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client, upstream), daemon=True).start()


if __name__ == "__main__":
    main()
