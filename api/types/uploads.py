"""The one GraphQL shape of a presigned upload, returned by every request-upload mutation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from media.uploads import IssuedUpload


@strawberry.type(description="One field of an upload form, sent as a multipart/form-data part.")
class FormField:
    name: str
    value: str


@strawberry.type(description="A presigned POST straight to storage: send every field of "
                 "`fields` as multipart/form-data, then the file as `file` (last), to `url` "
                 "before `expiresAt`; then confirm the upload.")
class PresignedUpload:
    key: str = strawberry.field(description="The object's key, by which it is confirmed.")
    url: str
    fields: list[FormField]
    content_type: str = strawberry.field(description="The only content type accepted.")
    max_bytes: int = strawberry.field(description="The largest file accepted, in bytes.")
    expires_at: datetime = strawberry.field(description="When the form and the upload expire.")

    @classmethod
    def of(cls, issued: IssuedUpload) -> PresignedUpload:
        """The GraphQL view of an issued upload."""
        return cls(key=issued.key, url=issued.url,
                   fields=[FormField(name=k, value=v) for k, v in issued.fields.items()],
                   content_type=issued.content_type, max_bytes=issued.max_bytes,
                   expires_at=issued.expires_at)
