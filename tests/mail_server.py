"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests of
messages people get: invitations, password resets."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.processes import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.text)


@dataclass
class Mailbox:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    def wait_for(self, address: str, count: int = 1, timeout: float = 5) -> list[Received]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.to(address)) >= count, timeout)
        found = self.to(address)
        assert len(found) >= count, f"{len(found)} message(s) to {address}, wanted {count}"
        return found


class SmtpServer:
    """`with SmtpServer() as mailbox:` an SMTP server listening on 127.0.0.1."""

    def __enter__(self) -> Mailbox:
        self.mailbox = Mailbox("127.0.0.1", free_port())
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.mailbox.port)
        self.controller.start()
        return self.mailbox

    def __exit__(self, *exc) -> None:
        self.controller.stop()
