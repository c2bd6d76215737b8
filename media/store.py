"""Where media objects live: a local folder (the embedded default) or an S3 bucket.

The interface is synchronous (boto3 is); async callers use `asyncio.to_thread`.
Keys are relative paths such as `panoramas/ab12.../f/0/0_0.jpg`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlparse

from media.errors import MediaError
from media.errors import MediaErrorCode as Code

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,500}$")
IMMUTABLE = "public, max-age=31536000, immutable"


def check_key(key: str) -> str:
    """A safe object key: no leading slash, no `..`, a conservative alphabet."""
    if not _KEY.match(key) or ".." in key.split("/") or "//" in key:
        raise MediaError(Code.INVALID_MEDIA_KEY, f"invalid object key {key!r}")
    return key


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What HEAD tells about a stored object."""

    key: str
    size: int
    content_type: str | None


@dataclass(frozen=True, slots=True)
class PresignedPost:
    """A browser/phone upload straight to storage: POST `fields` plus `file` to `url`."""

    url: str
    fields: dict[str, str]
    key: str
    content_type: str
    max_bytes: int
    expires_at: int
    conditions: list[Any] = field(default_factory=list)


class MediaStore(Protocol):
    """What every storage backend offers."""

    def put(self, key: str, data: bytes, content_type: str, *, immutable: bool = False
            ) -> None:
        """Store bytes under a key (overwriting)."""

    def put_file(self, key: str, path: Path, content_type: str, *, immutable: bool = False
                 ) -> None:
        """Store a file's bytes under a key (overwriting), streamed: never whole in memory."""

    def get(self, key: str) -> bytes:
        """The bytes of a key; MediaError NOT_FOUND when absent."""

    def head(self, key: str) -> ObjectInfo | None:
        """Size and type of a key, or None when absent."""

    def delete_many(self, keys: list[str]) -> None:
        """Remove keys (absent ones are ignored)."""

    def list_keys(self, prefix: str) -> list[str]:
        """Every key under a prefix."""

    def url(self, key: str) -> str:
        """A URL a client can GET the object from."""

    def presigned_post(self, key: str, *, content_type: str, max_bytes: int,
                       expires_s: int = 300) -> PresignedPost:
        """A short-lived upload form limited to one key, one content type and a size."""

    def link(self, source: str, target: str) -> None:
        """Make `target` hold the same bytes as `source` without sending them again."""

    def public_prefix_url(self, prefix: str) -> str | None:
        """A URL to which a key's remainder under `prefix` can be appended, or None when
        every object needs its own signed URL."""


#: The error codes of a HEAD of a missing key. HEAD answers have no body, so botocore's code
#: is the bare status: 404 when the caller may list the bucket, 403 when it may not.
_ABSENT_ON_HEAD = frozenset({"404", "NoSuchKey", "NotFound", "403"})


def head_means_absent(response: Mapping[str, Any]) -> bool:
    """Whether a failed HeadObject (botocore's `ClientError.response`) means the key is absent.

    A 403 counts as absent. S3 tells only a caller holding s3:ListBucket that a key does not
    exist (404); anyone else gets 403. The functions' role holds s3:ListBucket only under a
    condition on s3:prefix, which a HEAD request does not carry, so in production every
    missing key answers 403. Were access really denied, nothing is lost: `head` only decides
    whether to write, and the write or the read that follows fails loudly."""
    return str(response.get("Error", {}).get("Code", "")) in _ABSENT_ON_HEAD


def _not_found(key: str) -> MediaError:
    return MediaError(Code.MEDIA_NOT_FOUND, f"no media object {key!r}")


class LocalStore:
    """Objects as files under a root folder, served by the app at `/media/{key}`."""

    def __init__(self, root: Path, *, public_base_url: str, secret_key: str):
        self.root = root.resolve()
        self.public_base_url = public_base_url.rstrip("/")
        self._upload_key = hashlib.sha256(("upload:" + secret_key).encode()).digest()

    def path(self, key: str) -> Path:
        """The file of a key (inside the root, always: a symbolic link that leads out of it
        makes the key invalid)."""
        target = self.root / check_key(key)
        if not target.resolve().is_relative_to(self.root):
            raise MediaError(Code.INVALID_MEDIA_KEY, f"object key {key!r} leads out of the store")
        return target

    def put(self, key: str, data: bytes, content_type: str, *, immutable: bool = False
            ) -> None:
        """Write atomically: to a temporary file, then rename."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def put_file(self, key: str, path: Path, content_type: str, *, immutable: bool = False
                 ) -> None:
        """Copy atomically: to a temporary file, then rename."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)

    def get(self, key: str) -> bytes:
        """The file's bytes."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise _not_found(key) from exc

    def head(self, key: str) -> ObjectInfo | None:
        """The file's size; the type is guessed from the extension."""
        target = self.path(key)
        if not target.is_file():
            return None
        return ObjectInfo(key=key, size=target.stat().st_size, content_type=guess_type(key))

    def delete_many(self, keys: list[str]) -> None:
        """Unlink files and prune the folders left empty."""
        for key in keys:
            target = self.path(key)
            target.unlink(missing_ok=True)
            parent = target.parent
            while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent

    def list_keys(self, prefix: str) -> list[str]:
        """Keys of the files under a prefix."""
        base = self.root / prefix if prefix else self.root
        if base.is_file():
            return [prefix]
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*")
                      if p.is_file() and not p.name.startswith("."))

    def url(self, key: str) -> str:
        """`{public base}/media/{key}`."""
        return f"{self.public_base_url}/media/{quote(check_key(key))}"

    def link(self, source: str, target: str) -> None:
        """A hard link (same inode, no extra bytes); a copy across file systems."""
        src, dst = self.path(source), self.path(target)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.unlink(missing_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            self.put(target, src.read_bytes(), guess_type(target) or "application/octet-stream")

    def public_prefix_url(self, prefix: str) -> str | None:
        """`{public base}/media/{prefix}`: the app serves every key."""
        return f"{self.public_base_url}/media/{quote(check_key(prefix))}"

    def _sign(self, policy: str) -> str:
        return hmac.new(self._upload_key, policy.encode(), hashlib.sha256).hexdigest()

    def presigned_post(self, key: str, *, content_type: str, max_bytes: int,
                       expires_s: int = 300) -> PresignedPost:
        """An HMAC-signed policy that the app's `/media-upload` route enforces, like S3's."""
        expires_at = int(time.time()) + expires_s
        conditions: list[Any] = [{"key": check_key(key)}, {"Content-Type": content_type},
                                 ["content-length-range", 1, max_bytes]]
        policy = base64.b64encode(json.dumps(
            {"expiration": expires_at, "conditions": conditions}).encode()).decode()
        return PresignedPost(
            url=f"{self.public_base_url}/media-upload",
            fields={"key": key, "Content-Type": content_type, "policy": policy,
                    "signature": self._sign(policy)},
            key=key, content_type=content_type, max_bytes=max_bytes, expires_at=expires_at,
            conditions=conditions,
        )

    def upload_policy(self, fields: dict[str, str]) -> UploadPolicy:
        """The policy of a local upload's form fields when its signature, expiry, key and
        content type hold (checked before any byte of the file is read); MediaError
        otherwise."""
        policy, signature = fields.get("policy", ""), fields.get("signature", "")
        if not hmac.compare_digest(self._sign(policy), signature):
            raise MediaError(Code.UPLOAD_POLICY_VIOLATED,
                             "upload policy signature does not match")
        try:
            document = json.loads(base64.b64decode(policy))
            conditions = document["conditions"]
            expires_at = int(document["expiration"])
            key, content_type = conditions[0]["key"], conditions[1]["Content-Type"]
            low, high = int(conditions[2][1]), int(conditions[2][2])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise MediaError(Code.UPLOAD_POLICY_VIOLATED, "malformed upload policy") from exc
        if time.time() > expires_at:
            raise MediaError(Code.UPLOAD_POLICY_EXPIRED, "upload policy has expired")
        if fields.get("key") != key or fields.get("Content-Type") != content_type:
            raise MediaError(Code.UPLOAD_POLICY_VIOLATED, "upload fields differ from the policy")
        return UploadPolicy(key=key, content_type=content_type, min_bytes=low, max_bytes=high)

    def check_upload(self, fields: dict[str, str], size: int) -> tuple[str, str]:
        """(key, content type) of a local upload whose policy holds; MediaError otherwise."""
        policy = self.upload_policy(fields)
        policy.check_size(size)
        return policy.key, policy.content_type


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    """What a verified local upload policy allows: one key, one content type, a size."""

    key: str
    content_type: str
    min_bytes: int
    max_bytes: int

    def check_size(self, size: int) -> None:
        """MediaError UPLOAD_TOO_LARGE or UPLOAD_EMPTY when the size is outside the policy."""
        if not self.min_bytes <= size <= self.max_bytes:
            raise MediaError(
                Code.UPLOAD_TOO_LARGE if size > self.max_bytes else Code.UPLOAD_EMPTY,
                f"upload of {size} bytes is outside {self.min_bytes}..{self.max_bytes}")


class S3Store:
    """Objects in an S3 bucket under a prefix; public URLs from a CDN base or presigned GETs."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any,
                 public_url: str | None = None, get_expiry_s: int = 3600):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client
        self.public_url = public_url.rstrip("/") if public_url else None
        self.get_expiry_s = get_expiry_s

    def _full(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str, *, immutable: bool = False
            ) -> None:
        """PutObject with its content type (and a long cache lifetime when immutable)."""
        extra: dict[str, Any] = {"ContentType": content_type}
        if immutable:
            extra["CacheControl"] = IMMUTABLE
        self.client.put_object(Bucket=self.bucket, Key=self._full(key), Body=data, **extra)

    def put_file(self, key: str, path: Path, content_type: str, *, immutable: bool = False
                 ) -> None:
        """boto3's managed upload: read from disk in parts (multipart past 8 MiB)."""
        extra: dict[str, Any] = {"ContentType": content_type}
        if immutable:
            extra["CacheControl"] = IMMUTABLE
        self.client.upload_file(str(path), self.bucket, self._full(key), ExtraArgs=extra)

    def get(self, key: str) -> bytes:
        """GetObject's body."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise _not_found(key) from exc
        body: bytes = answer["Body"].read()
        return body

    def head(self, key: str) -> ObjectInfo | None:
        """HeadObject, or None when absent (404, or 403: see `head_means_absent`)."""
        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except self.client.exceptions.ClientError as exc:
            if head_means_absent(exc.response):
                return None
            raise
        return ObjectInfo(key=key, size=int(answer["ContentLength"]),
                          content_type=answer.get("ContentType"))

    def delete_many(self, keys: list[str]) -> None:
        """DeleteObjects, a thousand at a time."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self._full(k)} for k in keys[start:start + 1000]]
            if batch:
                self.client.delete_objects(Bucket=self.bucket,
                                           Delete={"Objects": batch, "Quiet": True})

    def list_keys(self, prefix: str) -> list[str]:
        """ListObjectsV2 under the prefix."""
        full = self._full(prefix) if prefix else (self.prefix + "/" if self.prefix else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=full):
            keys += [item["Key"][strip:] for item in page.get("Contents", [])]
        return sorted(keys)

    def link(self, source: str, target: str) -> None:
        """A server-side CopyObject (the bytes never leave S3)."""
        extra: dict[str, Any] = {"MetadataDirective": "COPY"}
        self.client.copy_object(Bucket=self.bucket, Key=self._full(target),
                                CopySource={"Bucket": self.bucket, "Key": self._full(source)},
                                **extra)

    def public_prefix_url(self, prefix: str) -> str | None:
        """The CDN URL of the prefix, or None when objects are served by presigned GETs."""
        return f"{self.public_url}/{quote(self._full(prefix))}" if self.public_url else None

    def url(self, key: str) -> str:
        """The CDN URL when one is configured, else a presigned GET."""
        if self.public_url:
            return f"{self.public_url}/{quote(self._full(key))}"
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._full(key)},
            ExpiresIn=self.get_expiry_s)
        return url

    def presigned_post(self, key: str, *, content_type: str, max_bytes: int,
                       expires_s: int = 300) -> PresignedPost:
        """S3's presigned POST, limited to the key, the content type and the size."""
        conditions: list[Any] = [{"Content-Type": content_type},
                                 ["content-length-range", 1, max_bytes]]
        answer = self.client.generate_presigned_post(
            Bucket=self.bucket, Key=self._full(key), Fields={"Content-Type": content_type},
            Conditions=conditions, ExpiresIn=expires_s)
        return PresignedPost(url=answer["url"], fields=dict(answer["fields"]), key=key,
                             content_type=content_type, max_bytes=max_bytes,
                             expires_at=int(time.time()) + expires_s, conditions=conditions)


_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
          ".webp": "image/webp", ".json": "application/json", ".m4a": "audio/mp4",
          ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".opus": "audio/ogg",
          ".vtt": "text/vtt", ".svg": "image/svg+xml", ".pdf": "application/pdf",
          ".zip": "application/zip", ".html": "text/html"}


def guess_type(key: str) -> str | None:
    """The content type of a key from its extension."""
    return _TYPES.get(Path(key).suffix.lower())


class ClientOnFirstUse:
    """A boto3 client made when first used (thread-safe): importing boto3 and loading S3's
    model add a few hundred milliseconds to a Lambda cold start that most requests never use."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make()
        return getattr(self._client, name)


def _s3_client(endpoint_url: str | None, region: str | None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint_url, region_name=region or "ap-southeast-1",
        config=Config(signature_version="s3v4", connect_timeout=3, read_timeout=10,
                      retries={"max_attempts": 3, "mode": "standard"}))


def make_store(media_url: str, *, public_base_url: str, secret_key: str,
               s3_endpoint_url: str | None = None, media_public_url: str | None = None,
               s3_region: str | None = None) -> MediaStore:
    """The store a `TOURISM_MEDIA_URL` names: `file://folder` or `s3://bucket/prefix`."""
    parsed = urlparse(media_url)
    if parsed.scheme == "file":
        root = Path((parsed.netloc + parsed.path) if parsed.netloc else parsed.path)
        root.mkdir(parents=True, exist_ok=True)
        return LocalStore(root, public_base_url=public_base_url, secret_key=secret_key)
    if parsed.scheme == "s3":
        client = ClientOnFirstUse(lambda: _s3_client(s3_endpoint_url, s3_region))
        return S3Store(parsed.netloc, parsed.path, client=client, public_url=media_public_url)
    raise ValueError(f"TOURISM_MEDIA_URL must be file://... or s3://..., not {media_url!r}")
