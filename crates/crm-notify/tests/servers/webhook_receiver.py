#!/usr/bin/env python3
"""A webhook receiver on loopback that verifies Standard Webhooks signatures independently.

Each POST is verified with the `standardwebhooks` package against the secret(s) given with
--secret, recorded as one JSON line in --log ({"verified", "error", "id", "timestamp",
"signature", "content_type", "body", "status"}), and answered 204 when verified, 401 when
not. --fail-first N answers 500 to the first N requests (recorded and verified all the same);
--sleep S waits S seconds before answering; --redirect URL answers 307 to URL; --answer N
answers N to everything.

Prints "PORT <n>" on stdout once listening (--port 0 picks a free port).
Used by crates/crm-notify/tests/webhook.rs.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--log", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--sleep", type=float, default=0.0)
    parser.add_argument("--redirect", default=None)
    parser.add_argument("--answer", type=int, default=None)
    args = parser.parse_args()

    verifiers = [Webhook(s) for s in args.secret]
    lock = threading.Lock()
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with lock:
                state["seen"] += 1
                seen = state["seen"]
            verified = False
            error = None
            for verifier in verifiers:
                try:
                    verifier.verify(body, headers)
                    verified = True
                    break
                except Exception as e:  # noqa: BLE001 - recorded for the test
                    error = f"{type(e).__name__}: {e}"
            if args.answer is not None:
                status = args.answer
            elif args.redirect:
                status = 307
            elif seen <= args.fail_first:
                status = 500
            else:
                status = 204 if verified else 401
            record = {
                "verified": verified,
                "error": error,
                "id": headers.get("webhook-id"),
                "timestamp": headers.get("webhook-timestamp"),
                "signature": headers.get("webhook-signature"),
                "content_type": headers.get("content-type"),
                "body": body.decode("utf-8", "replace"),
                "status": status,
            }
            with lock:
                with open(args.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            if args.sleep:
                time.sleep(args.sleep)
            self.send_response(status)
            if status == 307:
                self.send_header("location", args.redirect)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
