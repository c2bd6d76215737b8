"""Query fields of visitors' feedback: following one by its tracking code."""

from __future__ import annotations

import strawberry

from api.context import Context
from api.types.common import Lang
from api.types.feedback import FeedbackTracking
from qr.feedback import service as feedback

Info = strawberry.Info[Context, None]


@strawberry.type
class FeedbackQueries:
    """Feedback, by the tracking code its visitor keeps."""

    @strawberry.field(description="The status and answer of a feedback by its tracking code.")
    async def feedback(self, info: Info, tracking_code: str, lang: Lang = None
                       ) -> FeedbackTracking | None:
        found = await feedback.track(session=info.context.session, code=tracking_code)
        return FeedbackTracking(tracked=found, chain=info.context.chain(lang)) if found else None
