"""GraphQL types of visitors' feedback: what an app sends, the receipt with its tracking code,
and what the visitor's tracking shows (never a contact)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.types.destination import Destination
from qr.feedback import models
from qr.feedback.service import Tracked

FeedbackCategory = strawberry.enum(models.Category, name="FeedbackCategory",
                                   description="What a visitor's feedback is about.")
FeedbackStatus = strawberry.enum(models.Status, name="FeedbackStatus",
                                 description="Received, in progress, resolved or declined.")


@strawberry.input(description="A visitor's feedback about the place of a QR code.")
class FeedbackInput:
    code: str = strawberry.field(description="The short code of where the visitor stands.")
    category: models.Category
    text: str = strawberry.field(description="What the visitor noticed, in any language "
                                 "(at most TOURISM_FEEDBACK_MAX_TEXT_CHARS characters).")
    contact: str | None = strawberry.field(
        default=None, description="An e-mail or phone number for the answer (staff only; "
        "deleted after the retention period).")
    photo_key: str | None = strawberry.field(
        default=None, description="The key of a photo uploaded with startFeedbackPhotoUpload.")


@strawberry.type(description="A received feedback and how to follow it.")
class FeedbackReceipt:
    tracking_code: str = strawberry.field(description="PA-<year>-<8 symbols>: keep it.")
    tracking_url: str = strawberry.field(description="The visitor's tracking page.")
    status: models.Status


@strawberry.type(description="What the visitor of a tracking code sees: the status and the "
                 "department's answer (of the item it was merged with, when it was).")
class FeedbackTracking:
    tracked: strawberry.Private[Tracked]
    chain: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def tracking_code(self) -> str:
        return self.tracked.tracking_code

    @strawberry.field
    def category(self) -> models.Category:
        return self.tracked.category

    @strawberry.field
    def status(self) -> models.Status:
        return self.tracked.status

    @strawberry.field
    def received_at(self) -> datetime:
        return self.tracked.received_at

    @strawberry.field(description="The department's answer, when there is one.")
    def answer(self) -> str | None:
        return self.tracked.answer

    @strawberry.field
    def answered_at(self) -> datetime | None:
        return self.tracked.answered_at

    @strawberry.field(description="Whether it was merged with a report of the same problem.")
    def merged(self) -> bool:
        return self.tracked.merged

    @strawberry.field(description="The site the feedback is about.")
    def destination(self) -> Destination:
        return Destination.from_model(self.tracked.destination, self.chain)
