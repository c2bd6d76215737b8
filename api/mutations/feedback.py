"""Feedback mutations for apps: a visitor's feedback (with a photo through the one upload
flow), limited per client address with the /q form's bucket."""

from __future__ import annotations

from urllib.parse import quote

import strawberry

from api.context import Context
from api.errors import ApiErrorCode
from api.pages import interface_language
from api.ratelimit import client_address
from api.types.feedback import FeedbackInput, FeedbackReceipt
from api.types.uploads import PresignedUpload
from core.errors import DomainError
from qr.feedback import service as feedback
from qr.feedback.models import Status
from qr.models import Channel

Info = strawberry.Info[Context, None]


class RateLimited(DomainError):
    """The client address sent too much feedback."""

    def __init__(self, seconds: float):
        super().__init__(ApiErrorCode.RATE_LIMITED, f"too much feedback from this address: "
                         f"retry in {max(1, round(seconds))} s")


async def _limit(info: Info) -> None:
    request = info.context.request
    routes = getattr(request.app.state, "feedback", None) if request is not None else None
    if request is None or routes is None:
        return
    address = client_address(request.scope,
                             trust_forwarded_for=info.context.settings.server.trust_forwarded_for)
    wait = await routes.submissions.take(f"feedback:{address}")
    if wait > 0:
        raise RateLimited(wait)


@strawberry.type
class FeedbackMutations:
    """A visitor's feedback, no account needed."""

    @strawberry.mutation(description="A presigned POST for the photo of a feedback (JPEG, PNG "
                         "or WebP); then pass its key as photoKey to submitFeedback.")
    async def start_feedback_photo_upload(self, info: Info, code: str, content_type: str
                                          ) -> PresignedUpload:
        await _limit(info)
        issued = await feedback.start_photo_upload(
            session=info.context.session, store=info.context.store, code=code,
            content_type=content_type, now=info.context.now)
        await info.context.session.commit()
        return PresignedUpload.of(issued)

    @strawberry.mutation(description="Sends a visitor's feedback about the place of a QR code; "
                         "gives its tracking code. A refusal writes nothing.")
    async def submit_feedback(self, info: Info, input: FeedbackInput) -> FeedbackReceipt:
        await _limit(info)
        settings = info.context.settings
        lang = interface_language(info.context.chain(None))
        item = await feedback.submit_feedback(
            session=info.context.session, store=info.context.store, now=info.context.now,
            submission=feedback.Submission(
                code=input.code, category=input.category.value, text=input.text, lang=lang,
                channel=Channel.APP, contact=input.contact, photo_key=input.photo_key),
            max_text_chars=settings.feedback.max_text_chars,
            max_photo_bytes=settings.feedback.max_photo_bytes)
        code = item.tracking_code
        await info.context.session.commit()
        base = settings.server.public_base_url.rstrip("/")
        return FeedbackReceipt(tracking_code=code, status=Status.RECEIVED,
                               tracking_url=f"{base}/feedback/{quote(code)}?lang={lang}")
