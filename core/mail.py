"""Mail to people: messages rendered from templates and sent through Django's e-mail
framework, whose backend the settings choose from the environment (EMAIL_HOST: SMTP;
`make run`: files in .local/mail; otherwise mail is not configured and sending says so).
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class NotConfiguredBackend(BaseEmailBackend):
    """The backend when no mail server is configured: sending fails with what to set."""

    def send_messages(self, email_messages):
        if self.fail_silently:
            return 0
        raise ImproperlyConfigured(
            "e-mail is not configured: set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, "
            "EMAIL_HOST_PASSWORD, EMAIL_USE_TLS as the server needs)"
        )


def site_url(request=None) -> str:
    """Where links in messages start: PUBLIC_URL when set, else the scheme and host the
    request came to (already checked against ALLOWED_HOSTS), else the development
    server's address. No trailing slash."""
    if settings.PUBLIC_URL:
        return settings.PUBLIC_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"


def send(template: str, *, to: str, context: dict) -> str:
    """Send `template` (`<template>_subject.txt`, `<template>.txt`, `<template>.html`)
    to one address; "" when it went, else why not (logged, never raised: a message that
    cannot be sent must not undo the change that asked for it)."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException, ImproperlyConfigured) as error:
        reason = str(error) or type(error).__name__
        logger.warning("mail %s to %s not sent: %s", template, to, reason)
        return reason[:300]
    return ""
