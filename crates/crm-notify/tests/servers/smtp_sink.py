#!/usr/bin/env python3
"""A real SMTP server for crm-notify's tests, and an independent parser of what it received.

serve: python3 smtp_sink.py serve --port 0 --dir DIR [--auth USER:PASSWORD]
           [--slow-data SECONDS] [--tls-cert PEM --tls-key PEM (--starttls | --implicit-tls)]
  Starts aiosmtpd on 127.0.0.1 and prints "PORT <n>" on its first line of output when it
  accepts connections. Every message received is saved as DIR/<n>.eml (the DATA as sent).
  RCPT for an address containing "bounce" is answered 550, for one containing "busy" 451;
  a message to an address containing "reject" is refused after DATA with 554.
  --slow-data sleeps before answering DATA. --auth requires AUTH PLAIN or LOGIN, allowed
  over a plain connection (loopback tests only).

parse: python3 smtp_sink.py parse FILE
  Prints JSON of the message as Python's email package (policy.default) reads it.

answer: python3 smtp_sink.py answer RECEIVED OUT --from "Name <address>" --body TEXT
  Writes to OUT the answer a mail client would send to the message RECEIVED: To its From,
  "Re: " its subject, In-Reply-To its Message-ID, References its References plus its
  Message-ID, a new Message-ID, the body as UTF-8 text.
"""

import argparse
import asyncio
import json
import os
import socket
import ssl
import sys
import threading
import time
import warnings

# AUTH over plain text is what --auth asks for, on loopback only.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, directory, slow_data):
        self.directory = directory
        self.slow_data = slow_data
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if "busy" in address:
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.slow_data > 0:
            await asyncio.sleep(self.slow_data)
        if any("reject" in to for to in envelope.rcpt_tos):
            return "554 5.6.0 message content refused"
        with self.lock:
            self.count += 1
            n = self.count
        path = os.path.join(self.directory, "%06d.eml" % n)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, path)
        return "250 2.0.0 OK queued as %d" % n


def serve(args):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port()
    kwargs = {}
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, handled=False)

        kwargs.update(
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=False,
        )
    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    if context is not None and args.starttls:
        kwargs.update(tls_context=context, require_starttls=True)
    if context is not None and args.implicit_tls:
        kwargs.update(ssl_context=context)
    controller = Controller(
        Handler(args.dir, args.slow_data),
        hostname="127.0.0.1",
        port=port,
        ready_timeout=10,
        **kwargs,
    )
    controller.start()
    print("PORT %d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def parse(args):
    from email import policy
    from email.parser import BytesParser

    with open(args.file, "rb") as f:
        msg = BytesParser(policy=policy.default).parse(f)

    def header(name):
        value = msg.get(name)
        return None if value is None else str(value)

    parts = []
    text = html = None
    for part in msg.walk():
        parts.append(part.get_content_type())
        if part.is_multipart():
            continue
        if part.get_content_type() == "text/plain" and text is None:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content()
    out = {
        "subject": header("Subject"),
        "from": header("From"),
        "to": header("To"),
        "message_id": header("Message-ID"),
        "in_reply_to": header("In-Reply-To"),
        "references": header("References"),
        "date": header("Date"),
        "auto_submitted": header("Auto-Submitted"),
        "x_crm_event": header("X-CRM-Event"),
        "content_types": parts,
        "charsets": [p.get_content_charset() for p in msg.walk() if not p.is_multipart()],
        "text": text,
        "html": html,
    }
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


def answer(args):
    from email import policy
    from email.message import EmailMessage
    from email.parser import BytesParser
    from email.utils import formatdate, make_msgid

    with open(args.received, "rb") as f:
        received = BytesParser(policy=policy.default).parse(f)
    subject = str(received["Subject"])
    if not subject.lower().startswith("re:"):
        subject = "Re: " + subject
    ours = str(received["Message-ID"]).strip()
    references = str(received.get("References") or "").split()
    references.append(ours)
    msg = EmailMessage()
    msg["From"] = args.sender
    msg["To"] = str(received["From"])
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg["In-Reply-To"] = ours
    msg["References"] = " ".join(references)
    msg.set_content(args.body, charset="utf-8")
    with open(args.out, "wb") as f:
        f.write(msg.as_bytes(policy=policy.SMTP))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--dir", required=True)
    s.add_argument("--auth")
    s.add_argument("--slow-data", type=float, default=0.0)
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--starttls", action="store_true")
    s.add_argument("--implicit-tls", action="store_true")
    p = sub.add_parser("parse")
    p.add_argument("file")
    a = sub.add_parser("answer")
    a.add_argument("received")
    a.add_argument("out")
    a.add_argument("--from", dest="sender", required=True)
    a.add_argument("--body", required=True)
    args = parser.parse_args()
    if args.mode == "serve":
        serve(args)
    elif args.mode == "parse":
        parse(args)
    else:
        answer(args)


if __name__ == "__main__":
    main()
