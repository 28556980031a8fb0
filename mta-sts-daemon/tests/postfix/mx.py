#!/usr/bin/python3
"""Loopback MX hosts for the Postfix end-to-end test of mta-stsd.

One process serves every MX: each `ADDR,HOSTNAME,CERT,KEY` argument is an SMTP server on
ADDR:25 that greets as HOSTNAME and offers STARTTLS with its own certificate. Every message
received is stored as one file in STORE/HOSTNAME/, with the envelope and the TLS state
prepended as X-E2E-* header lines. When every server listens, STORE/ready is created.

Needs Debian's python3-aiosmtpd (run it with /usr/bin/python3).
"""

import asyncio
import os
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP


class Store:
    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        tls = "none"
        if session.ssl is not None:
            # session.ssl is the SSLObject's extra info: (cipher, version, bits) in "cipher".
            cipher = session.ssl.get("cipher") if isinstance(session.ssl, dict) else None
            tls = repr(cipher) if cipher else "yes"
        head = (
            f"X-E2E-Mail-From: {envelope.mail_from}\r\n"
            f"X-E2E-Rcpt-To: {','.join(envelope.rcpt_tos)}\r\n"
            f"X-E2E-Peer: {session.peer[0]}\r\n"
            f"X-E2E-TLS: {tls}\r\n"
        ).encode()
        body = envelope.original_content or envelope.content
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        path = os.path.join(self.directory, f"{time.time_ns()}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(head + body)
        os.rename(path + ".tmp", path)
        print(f"mx {server.hostname}: stored {path}", flush=True)
        return "250 2.0.0 Ok: stored"


async def main(store, specs):
    loop = asyncio.get_running_loop()
    servers = []
    for spec in specs:
        addr, hostname, cert, key = spec.split(",")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        handler = Store(os.path.join(store, hostname))

        def factory(handler=handler, hostname=hostname, ctx=ctx):
            return SMTP(
                handler,
                hostname=hostname,
                ident="e2e-mx",
                tls_context=ctx,
                require_starttls=False,
                decode_data=False,
            )

        servers.append(await loop.create_server(factory, host=addr, port=25))
        print(f"mx {hostname}: listening on {addr}:25", flush=True)
    open(os.path.join(store, "ready"), "w").close()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: mx.py STORE ADDR,HOSTNAME,CERT,KEY...")
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
