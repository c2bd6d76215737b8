"""Sends the console's e-mails over SMTP (settings.mail), in a worker thread so the event loop
never waits on a mail server; without a configured host the message goes to the log, which
is what a laptop running `make run` wants."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage

from api.settings import MailSettings

log = logging.getLogger("tourism.mail")


class MailError(Exception):
    """The mail server refused or could not be reached."""


class Mailer:
    """Sends plain-text e-mails with the configured sender."""

    def __init__(self, settings: MailSettings):
        self.settings = settings

    @property
    def delivers(self) -> bool:
        """Whether e-mails really leave (a host is configured) rather than being logged."""
        return bool(self.settings.host)

    def _send(self, message: EmailMessage) -> None:
        config = self.settings
        assert config.host is not None
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
                if config.starttls:
                    smtp.starttls()
                if config.username and config.password:
                    smtp.login(config.username, config.password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"the mail server did not take the message: {exc}") from exc

    async def send(self, *, to: str, subject: str, body: str) -> None:
        """Sends one e-mail (MailError when the server refuses it)."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.settings.sender, to, subject
        message.set_content(body)
        if not self.delivers:
            log.info("e-mail to %s (no TOURISM_SMTP_HOST: logged, not sent): %s\n%s",
                     to, subject, body)
            return
        await asyncio.to_thread(self._send, message)
