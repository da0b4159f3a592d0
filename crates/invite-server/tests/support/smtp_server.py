"""A real SMTP server for the API tests, on aiosmtpd (pip install aiosmtpd).

Listens on 127.0.0.1 on a free port (or --port), prints the port on the first line of stdout, and stops when
its stdin closes (so it never outlives the test that started it). Every accepted message is
stored in the Maildir given as the first argument, with two headers in front that tell the test
how it arrived: X-Test-TLS (yes/no) and X-Test-Login (the user that authenticated, or -).

Recipients whose local part starts with "refused" get 550 (permanent), with "busy" 451
(temporary). --tls-cert/--tls-key offer STARTTLS and require it; --login user:password requires
authentication with those credentials.
"""

import argparse
import asyncio
import mailbox
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, maildir):
        self.maildir = mailbox.Maildir(maildir, create=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0]
        if local.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("busy"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.authenticated else "-"
        tls = "yes" if session.ssl else "no"
        header = f"X-Test-TLS: {tls}\r\nX-Test-Login: {login}\r\n".encode()
        # Maildir.add writes to tmp/ and renames into new/: a reader never sees half a message.
        self.maildir.add(header + envelope.original_content)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--login", help="user:password")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()

    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)

    authenticator = None
    if args.login:
        user, password = args.login.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = (
                isinstance(data, LoginPassword)
                and data.login.decode() == user
                and data.password.decode() == password
            )
            # handled=False: aiosmtpd then answers 535 itself on a failure.
            return AuthResult(success=ok, handled=False, auth_data=data)

    handler = Sink(args.maildir)

    def factory():
        return SMTP(
            handler,
            hostname="localhost",
            tls_context=context,
            require_starttls=context is not None,
            authenticator=authenticator,
            auth_required=authenticator is not None,
            auth_require_tls=context is not None,
        )

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", args.port))
    print(server.sockets[0].getsockname()[1], flush=True)

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 1024):
            loop.stop()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    loop.run_forever()


if __name__ == "__main__":
    main()
