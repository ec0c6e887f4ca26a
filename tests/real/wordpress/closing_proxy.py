#!/usr/bin/env python3
"""A loopback proxy that never answers (manual, not run by CI): how many requests does one call put on the wire?

  closing_proxy.py LISTEN_PORT MODE [UPSTREAM_HOST:PORT]

MODE:
  drop       accept each connection and close it at once, reading nothing
  refuse     read each request (head and Content-Length body), then close without a byte
  cut_after  read each request, forward it to UPSTREAM_HOST:PORT (the site carries it out), read the site's
             answer, then close the client's connection without a byte of it

Prints one line per connection and per request (method and path, never a header or body), and on Ctrl-C (or
SIGTERM) the totals: "connections=N requests=M".
"""
import signal, socket, sys, threading

port, mode = int(sys.argv[1]), sys.argv[2]
upstream = sys.argv[3] if len(sys.argv) > 3 else None
lock = threading.Lock()
counts = {"connections": 0, "requests": 0}


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head, body


def forward(head, body):
    host, _, uport = upstream.partition(":")
    with socket.create_connection((host, int(uport))) as up:
        lines = head.split(b"\r\n")
        lines = [l for l in lines if not l.lower().startswith(b"connection:")] + [b"Connection: close"]
        up.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        answer = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                return answer
            answer += chunk


def serve(conn):
    with conn:
        if mode == "drop":
            conn.shutdown(socket.SHUT_RDWR)
            return
        request = read_request(conn)
        if request is None:
            return
        head, body = request
        with lock:
            counts["requests"] += 1
            n = counts["requests"]
        print(f"request {n}: {head.split(b' ')[0].decode()} {head.split(b' ')[1].decode()[:100]}", flush=True)
        if mode == "cut_after":
            answer = forward(head, body)
            print(f"  upstream answered {answer.split(b' ')[1].decode() if answer else 'nothing'}; dropped", flush=True)
        conn.shutdown(socket.SHUT_RDWR)


def totals(*_):
    print(f"connections={counts['connections']} requests={counts['requests']}", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, totals)
signal.signal(signal.SIGINT, totals)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(64)
while True:
    conn, _ = listener.accept()
    with lock:
        counts["connections"] += 1
    print(f"connection {counts['connections']}", flush=True)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
