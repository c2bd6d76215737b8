"""The e-mail that carries the department's answer to a visitor, in the language they wrote
from (the visitor pages' catalogues)."""

from __future__ import annotations

from urllib.parse import quote

from api.pages import interface_language, translations


def answer_mail(*, lang: str, tracking_code: str, answer: str, public_base_url: str
                ) -> tuple[str, str]:
    """(subject, body) of the answer to a visitor's feedback."""
    catalogue = interface_language([lang])
    _ = translations(catalogue).gettext
    link = (f"{public_base_url.rstrip('/')}/feedback/{quote(tracking_code)}"
            f"?lang={quote(catalogue)}")
    subject = _("The answer to your feedback {code}").format(code=tracking_code)
    body = _("The department answered your feedback {code}:").format(code=tracking_code)
    body += f"\n\n{answer}\n\n"
    body += _("Follow your feedback here: {link}").format(link=link)
    return subject, body
