#!/usr/bin/env python3
"""The demo's ESM simulator: a stand-in for the ESM Service Layer (plain HTTP on loopback) and a
webhook ticket system, so ./aeg.sh demo shows a ticket rendered from a full ESM event.

ESM side, in the JSON form of ESM's public Service Layer documentation (docs/esm.md):
  POST /www/core-service/rest/LoginService/login    form login/password -> {"log.loginResponse": {"log.return": token}}
  POST /www/core-service/rest/LoginService/logout   -> {"log.logoutResponse": {}}
  POST /www/manager-service/rest/SecurityEventService/getSecurityEvents?alt=json
       {"sev.getSecurityEvents": {"sev.authToken": ..., "sev.ids": [...]}} -> the example event
       (tests/fixtures/esm/security-event-198236.json) once per id, with that eventId.
Ticket side: POST /tickets (Aeg's webhook body) is appended to TICKETS as one JSON line.

Usage: esm_simulator.py --dir RUN_DIR --port N --password P --event FILE
       esm_simulator.py --summary TICKETS   (prints what the demo's ESM-enriched tickets hold)
"""
import argparse
import json
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(args):
    with open(args.event, encoding="utf-8") as f:
        example = json.load(f)
    tickets_path = f"{args.dir}/tickets.jsonl"
    lock = threading.Lock()
    tokens = set()
    counter = {"tickets": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            path = urllib.parse.urlparse(self.path).path
            if path == "/www/core-service/rest/LoginService/login":
                form = dict(urllib.parse.parse_qsl(body))
                if form.get("password") != args.password:
                    return self.reply(500, {"error": "com.arcsight.xws.authentication.LoginException: Login failed"})
                token = secrets.token_hex(12)
                with lock:
                    tokens.add(token)
                return self.reply(200, {"log.loginResponse": {"log.return": token}})
            if path == "/www/core-service/rest/LoginService/logout":
                return self.reply(200, {"log.logoutResponse": {}})
            if path == "/www/manager-service/rest/SecurityEventService/getSecurityEvents":
                call = json.loads(body).get("sev.getSecurityEvents", {})
                with lock:
                    known = call.get("sev.authToken") in tokens
                if not known:
                    return self.reply(500, {"error": "com.arcsight.xws.authentication.AuthenticationException: Invalid authToken"})
                ids = call.get("sev.ids", [])
                ids = ids if isinstance(ids, list) else [ids]
                events = [dict(example, eventId=int(i)) for i in ids]
                # The XML mapping: one event comes back bare, not in a list.
                result = events[0] if len(events) == 1 else events
                return self.reply(200, {"sev.getSecurityEventsResponse": {"sev.return": result}})
            if path == "/tickets":
                with lock:
                    counter["tickets"] += 1
                    ticket = f"DEMO-{counter['tickets']}"
                    with open(tickets_path, "a", encoding="utf-8") as f:
                        f.write(json.dumps({"id": ticket, **json.loads(body)}) + "\n")
                return self.reply(201, {"id": ticket})
            return self.reply(404, {"error": "no such path"})

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def summary(path):
    try:
        with open(path, encoding="utf-8") as f:
            tickets = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        tickets = []
    created = [t for t in tickets if t.get("action") == "create"]
    print(f"Tickets made from annotated events, enriched with the full ESM event: {len(created)}")
    if created:
        fields = created[0].get("fields", {})
        print(f"  the first, {created[0]['id']}:")
        for name in sorted(fields):
            print(f"    {name}: {fields[name]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir")
    parser.add_argument("--port", type=int)
    parser.add_argument("--password")
    parser.add_argument("--event")
    parser.add_argument("--summary")
    args = parser.parse_args()
    if args.summary:
        summary(args.summary)
        return 0
    serve(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
