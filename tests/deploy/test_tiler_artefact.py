"""The tiler artefact, built like the api's and under Lambda's size limit, run as the `tiler`
function in a bare interpreter of the deployed Python with the packaged template's
environment: an S3 ObjectCreated event of an uploaded 8192×4096 panorama makes it READY in
PostGIS, with every tile both viewers name in the bucket (moto's S3 over HTTP)."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from accounts.permissions import Actor, Role
from api.db import make_async_engine
from deploy import build
from deploy.invoke import unzip
from media import service as media_service
from media.models import Panorama
from tests.deploy.conftest import CI_PARAMS, function_of, serverless_package
from tests.deploy.stage import Stage, container, prepare_stage
from tours import viewers

MAX_UNZIPPED_MIB = 250  # Lambda's limit for a function's code, unzipped
SSM = "/tourism/tiler-ci"
EDITOR = Actor(role=Role.EDITOR, account_id=0)


@pytest.fixture(scope="module")
def tiler_zip(lambda_python: Path) -> Path:
    """The tiler artefact (cached in .build/ on its inputs)."""
    return build.build(build.ARTEFACTS["tiler"], python=lambda_python)


@pytest.fixture(scope="module")
def stage(postgis_url: str, s3_endpoint: str) -> Stage:
    """A stage of its own (database, role, bucket, secrets)."""
    return prepare_stage(postgis_url, s3_endpoint, database="tourism_tiler",
                         role="tourism_tiler", ssm_prefix=SSM)


@pytest.fixture(scope="module")
def template(stage: Stage, api_zip: Path, tiler_zip: Path,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    params = {**CI_PARAMS, "databaseUrl": stage.app_url, "mediaBucket": stage.bucket,
              "ssmPrefix": SSM}
    return serverless_package(params, tmp_path_factory.mktemp("tiler-stage"))


def test_tiler_artefact_is_under_lambda_s_limit(tiler_zip: Path) -> None:
    unzipped = build.unzipped_bytes(tiler_zip)
    assert unzipped <= MAX_UNZIPPED_MIB * 2**20, f"{unzipped / 2**20:.1f} MiB unzipped"


def test_tiler_artefact_holds_the_image_libraries_and_not_the_http_stack(tiler_zip: Path
                                                                         ) -> None:
    with zipfile.ZipFile(tiler_zip) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    assert {"simplejpeg", "numpy", "PIL", "media", "sqlalchemy", "psycopg"} <= tops
    assert tops.isdisjoint({"boto3", "botocore", "strawberry", "fpdf", "fontTools", "mangum",
                            "cv2"})


async def _upload(stage: Stage, data: bytes) -> str:
    """What a client does: a presigned upload for a panorama, then the bytes, then
    addPanoramaFromUpload (PENDING)."""
    engine = make_async_engine(stage.admin_url, poolclass=NullPool)
    store = stage.store()
    try:
        async with AsyncSession(engine) as session:
            issued = await media_service.request_panorama_upload(
                session=session, store=store, actor=EDITOR, content_type="image/jpeg")
            store.put(issued.key, data, "image/jpeg")
            panorama, _ = await media_service.add_panorama_from_upload(
                session=session, store=store, actor=EDITOR, key=issued.key)
            assert panorama.status == "pending"
            await session.commit()
            return issued.key
    finally:
        await engine.dispose()


async def _panorama(stage: Stage, key: str) -> Panorama:
    engine = make_async_engine(stage.admin_url, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as session:
            return (await session.execute(
                select(Panorama).where(Panorama.upload_key == key))).scalar_one()
    finally:
        await engine.dispose()


def _s3_event(stage: Stage, key: str, size: int) -> dict[str, Any]:
    """The ObjectCreated record S3 delivers (keys URL-encoded, with the bucket's prefix)."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "ap-southeast-1",
        "eventName": "ObjectCreated:Post",
        "s3": {"bucket": {"name": stage.bucket, "arn": f"arn:aws:s3:::{stage.bucket}"},
               "object": {"key": quote_plus(f"media/{key}"), "size": size}}}]}


def test_an_s3_upload_event_makes_the_panorama_ready_with_every_viewer_tile(
        stage: Stage, template: dict[str, Any], tiler_zip: Path, api_task: Path,
        lambda_python: Path, runtime_folder: Path, tmp_path: Path) -> None:
    with container(template, "migrate", stage, python=lambda_python, task=api_task,
                   runtime=runtime_folder) as migrate:
        migrate.invoke({})
    picture = Image.effect_noise((1024, 512), 60).convert("RGB").resize((8192, 4096))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    data = buffer.getvalue()
    key = asyncio.run(_upload(stage, data))
    task = unzip(tiler_zip, tmp_path / "task")
    with container(template, "tiler", stage, python=lambda_python, task=task,
                   runtime=runtime_folder) as tiler:
        assert {"strawberry", "starlette", "cv2"}.isdisjoint(tiler.init["modules"])
        answer = tiler.invoke(_s3_event(stage, key, len(data)))
        (result,) = answer["panoramas"]
        assert (result["status"], result["failure"]) == ("ready", None), answer
        again = tiler.invoke(_s3_event(stage, key, len(data)))  # at-least-once delivery
        assert again["panoramas"][0]["skipped"] is True
    panorama = asyncio.run(_panorama(stage, key))
    assert (panorama.status, panorama.width, panorama.height) == ("ready", 8192, 4096)
    stored = set(stage.store().list_keys(f"panoramas/{panorama.sha256}"))
    named = {url.removeprefix("/") for url in viewers.tile_urls(panorama, "")}
    prefix = f"panoramas/{panorama.sha256}/"
    assert {f"{prefix}{name}" for name in named} <= stored
    assert len(named) == panorama.tile_count + 6 + 3  # tiles, fallback faces, previews
    assert stage.store().head(key) is None  # the upload is consumed


def test_the_template_declares_the_tiler_on_the_upload_prefix_with_a_dead_letter_queue(
        ci_template: dict[str, Any]) -> None:
    tiler = function_of(ci_template, "tiler")
    assert tiler["Handler"] == "api.lambda_tiler.handler"
    assert tiler["Code"]["S3Key"].endswith("/tiler.zip")
    assert (tiler["Timeout"], tiler["MemorySize"]) == (900, 2048)
    assert tiler["ReservedConcurrentExecutions"] >= 1
    resources = ci_template["Resources"]
    (notification,) = [r for r in resources.values() if r["Type"] == "Custom::S3"]
    (configuration,) = notification["Properties"]["BucketConfigs"]
    assert notification["Properties"]["BucketName"] == CI_PARAMS["mediaBucket"]
    assert configuration["Event"] == "s3:ObjectCreated:*"
    assert configuration["Rules"] == [{"Prefix": "media/uploads/panoramas/"}]
    invoke = resources["TilerLambdaEvConf"]["Properties"]["DestinationConfig"]
    assert invoke["OnFailure"]["Destination"] == {"Fn::GetAtt": ["TilerDeadLetterQueue", "Arn"]}
    assert resources["TilerDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"
    (schedule,) = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule"
                   and "sweep" in r["Properties"]["Targets"][0].get("Input", "")]
    assert schedule["Properties"]["ScheduleExpression"] == "rate(1 hour)"
    assert '"sweep":true' in schedule["Properties"]["Targets"][0]["Input"].replace(" ", "")
