"""The media store that the settings name (local folder or S3), made once per process."""

from __future__ import annotations

from api.settings import Settings
from media.store import MediaStore, make_store


def store_for(settings: Settings) -> MediaStore:
    """The store of `TOURISM_MEDIA_URL`, with its public URLs, signing key and S3 client."""
    return make_store(settings.media.url, public_base_url=settings.server.public_base_url,
                      secret_key=settings.auth.secret_key,
                      s3_endpoint_url=settings.s3.endpoint_url,
                      media_public_url=settings.media.public_url, s3_region=settings.s3.region)
