"""The media store on a local folder and on S3 over real HTTP (moto's server)."""

import base64
import json
import time
from pathlib import Path

import httpx
import pytest

from media.errors import MediaError
from media.store import LocalStore, MediaStore, S3Store


def test_put_get_head_list_delete(store: MediaStore) -> None:
    store.put("panoramas/abc/f/0/0_0.jpg", b"jpeg-bytes", "image/jpeg", immutable=True)
    store.put("panoramas/abc/b/0/0_0.jpg", b"more", "image/jpeg")
    assert store.get("panoramas/abc/f/0/0_0.jpg") == b"jpeg-bytes"
    info = store.head("panoramas/abc/f/0/0_0.jpg")
    assert info is not None and info.size == 10 and info.content_type == "image/jpeg"
    assert store.head("panoramas/abc/nope.jpg") is None
    assert store.list_keys("panoramas/abc") == ["panoramas/abc/b/0/0_0.jpg",
                                                "panoramas/abc/f/0/0_0.jpg"]
    store.delete_many(store.list_keys("panoramas/abc"))
    assert store.list_keys("panoramas/abc") == []
    with pytest.raises(MediaError) as info_error:
        store.get("panoramas/abc/f/0/0_0.jpg")
    assert info_error.value.code == "MEDIA_NOT_FOUND"


@pytest.mark.parametrize("key", ["/etc/passwd", "../secret", "a/../../b", "a//b", ""])
def test_unsafe_keys_are_refused(store: MediaStore, key: str) -> None:
    with pytest.raises(MediaError) as info:
        store.put(key, b"x", "image/jpeg")
    assert info.value.code == "INVALID_MEDIA_KEY"


def test_s3_url_is_presigned_and_answers(s3_store: S3Store) -> None:
    s3_store.put("photos/1/a.jpg", b"\xff\xd8photo", "image/jpeg")
    url = s3_store.url("photos/1/a.jpg")
    assert "X-Amz-Signature=" in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"\xff\xd8photo"


def test_s3_presigned_post_limits_type_size_and_time(s3_store: S3Store) -> None:
    post = s3_store.presigned_post("uploads/u1.jpg", content_type="image/jpeg",
                                   max_bytes=1000, expires_s=120)
    # moto does not enforce POST policies: check the policy's own conditions.
    policy = json.loads(base64.b64decode(post.fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, 1000] in conditions
    assert {"key": "media/uploads/u1.jpg"} in conditions
    assert {"bucket": s3_store.bucket} in conditions
    expires = time.mktime(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 0 < expires - time.mktime(time.gmtime()) <= 125
    response = httpx.post(post.url, data=post.fields,
                          files={"file": ("u1.jpg", b"\xff\xd8upload", "image/jpeg")})
    assert response.status_code in (200, 204), response.text
    assert s3_store.get("uploads/u1.jpg") == b"\xff\xd8upload"


async def test_local_upload_route_enforces_its_policy(client: httpx.AsyncClient) -> None:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    post = store.presigned_post("uploads/a.jpg", content_type="image/jpeg", max_bytes=10)
    path = post.url.removeprefix("http://testserver")
    too_big = await client.post(path, data=post.fields,
                                files={"file": ("a.jpg", b"x" * 11, "image/jpeg")})
    assert too_big.status_code == 403 and too_big.json()["code"] == "UPLOAD_TOO_LARGE"
    assert store.head("uploads/a.jpg") is None
    forged = dict(post.fields, key="uploads/other.jpg")
    refused = await client.post(path, data=forged,
                                files={"file": ("a.jpg", b"x" * 5, "image/jpeg")})
    assert refused.json()["code"] == "UPLOAD_POLICY_VIOLATED"
    assert store.head("uploads/other.jpg") is None
    wrong_type = dict(post.fields, **{"Content-Type": "text/html"})
    refused = await client.post(path, data=wrong_type,
                                files={"file": ("a.jpg", b"x" * 5, "image/jpeg")})
    assert refused.json()["code"] == "UPLOAD_POLICY_VIOLATED"
    ok = await client.post(path, data=post.fields,
                           files={"file": ("a.jpg", b"\xff\xd8ok", "image/jpeg")})
    assert ok.status_code == 204 and store.get("uploads/a.jpg") == b"\xff\xd8ok"


async def test_local_media_is_served_with_range_and_cache_headers(
    client: httpx.AsyncClient,
) -> None:
    store: LocalStore = client._transport.app.state.store  # type: ignore[attr-defined]
    key = "audio/0123456789abcdef0123/vi.mp3"
    store.put(key, bytes(range(256)) * 4, "audio/mpeg")
    full = await client.get(f"/media/{key}")
    assert full.status_code == 200 and len(full.content) == 1024
    assert "immutable" in full.headers["cache-control"]
    part = await client.get(f"/media/{key}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == (bytes(range(256)) * 4)[100:200]
    assert part.headers["content-range"] == "bytes 100-199/1024"
    missing = await client.get("/media/audio/nope.mp3")
    assert missing.status_code == 404
    escape = await client.get("/media/..%2F..%2Fetc%2Fpasswd")
    assert escape.status_code == 404


def test_s3_head_takes_a_403_for_absent(s3_store: S3Store, s3_endpoint: str) -> None:
    """A role without s3:ListBucket gets 403, not 404, for HEAD of a missing key. moto does not
    model that rule (it checks s3:GetObject for HEAD), so the 403 here is moto's real answer,
    with IAM enforced, to a role that may only write: the same status on the same request."""
    import boto3
    from botocore.config import Config

    s3_store.put("packs/present.zip", b"PK", "application/zip")
    credentials = {"endpoint_url": s3_endpoint, "region_name": "ap-southeast-1",
                   "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    iam = boto3.client("iam", **credentials)
    user = f"writer-{s3_store.bucket}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="write-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["s3:PutObject"],
            "Resource": f"arn:aws:s3:::{s3_store.bucket}/*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    writer = S3Store(s3_store.bucket, s3_store.prefix, client=boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="ap-southeast-1",
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
        config=Config(signature_version="s3v4", retries={"max_attempts": 1})))
    httpx.post(f"{s3_endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()
    try:
        with pytest.raises(writer.client.exceptions.ClientError) as denied:
            writer.client.head_object(Bucket=s3_store.bucket, Key="media/packs/missing.zip")
        assert denied.value.response["Error"]["Code"] == "403"
        assert writer.head("packs/missing.zip") is None
        with pytest.raises(writer.client.exceptions.ClientError):  # a read fails loudly
            writer.get("packs/present.zip")
    finally:
        httpx.post(f"{s3_endpoint}/moto-api/reset-auth", content=b"inf").raise_for_status()
    assert s3_store.head("packs/present.zip") is not None  # the server is open again


def test_put_file_streams_a_file_into_the_store(store: MediaStore, tmp_path: Path) -> None:
    source = tmp_path / "pack.zip"
    source.write_bytes(b"PK" + bytes(range(256)) * 64)
    store.put_file("packs/a/pack.zip", source, "application/zip", immutable=True)
    assert store.get("packs/a/pack.zip") == source.read_bytes()
    info = store.head("packs/a/pack.zip")
    assert info is not None and info.size == source.stat().st_size
    assert info.content_type == "application/zip"
