"""A stage for the artefacts to run against: an empty PostGIS database that the admin role
prepared (extension only), an application role whose password lives in SSM, a bucket, SSM
parameters on moto's server, and the demo data loaded from the project's own code."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from accounts import service as auth_service
from api.db import make_async_engine
from deploy.invoke import BareLambda, function_of
from geo.demo import load_demo
from media.store import S3Store
from qr.demo import load_demo_guides
from tours.demo import load_demo_tours

REGION = "ap-southeast-1"
APP_ROLE = "tourism_app"
DATABASE = "tourism_lambda"
SSM_PREFIX = "/tourism/ci"
STAFF_EMAIL = "bientap@so-vhttdl.gov.vn"


@dataclass
class Stage:
    """Where the functions of one test stage find their database, bucket and secrets."""

    endpoint: str
    bucket: str
    app_url: str  # without its password, as the template carries it
    admin_url: str
    password: str
    secret_key: str
    staff_password: str

    def client(self, service: str) -> Any:
        """A boto3 client of moto's server."""
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(signature_version="s3v4"))

    def store(self) -> S3Store:
        """The stage's media store, as the functions see it."""
        return S3Store(self.bucket, "media", client=self.client("s3"))

    def aws_environment(self) -> dict[str, str]:
        """What Lambda gives a function (credentials, region), pointed at moto's server."""
        return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing", "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL_SSM": self.endpoint,
                "TOURISM_S3_ENDPOINT_URL": self.endpoint}


def _admin_execute(url: str, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def prepare_stage(postgis_url: str, endpoint: str, *, database: str = DATABASE,
                  role: str = APP_ROLE, ssm_prefix: str = SSM_PREFIX) -> Stage:
    """An empty database with PostGIS, an app role that must give its password, a bucket and
    the SSM parameters the template names (another database and role: another stage)."""
    password, secret_key = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    admin = make_url(postgis_url)
    _admin_execute(admin.render_as_string(hide_password=False),
                   f"CREATE ROLE {role} LOGIN PASSWORD '{password}'",
                   f"CREATE DATABASE {database} OWNER {role}")
    admin_url = admin.set(database=database).render_as_string(hide_password=False)
    # the one-time step of the database's admin role (README, Deploy)
    _admin_execute(admin_url, "CREATE EXTENSION postgis")
    # the app role must prove its password (the cluster trusts everyone else)
    engine = create_engine(admin_url, poolclass=NullPool)
    with engine.connect() as connection:
        hba_file = connection.execute(text("SHOW hba_file")).scalar_one()
    engine.dispose()
    with open(hba_file, encoding="utf-8") as source:
        rules = source.read()
    with open(hba_file, "w", encoding="utf-8") as sink:
        sink.write(f"host {database} {role} 127.0.0.1/32 scram-sha-256\n{rules}")
    _admin_execute(admin_url, "SELECT pg_reload_conf()")
    stage = Stage(endpoint=endpoint, bucket=f"tourism-media-{uuid.uuid4().hex[:10]}",
                  app_url=admin.set(username=role, database=database).render_as_string(),
                  admin_url=admin_url, password=password, secret_key=secret_key,
                  staff_password=secrets.token_urlsafe(16))
    stage.client("s3").create_bucket(Bucket=stage.bucket, CreateBucketConfiguration={
        "LocationConstraint": REGION})
    ssm = stage.client("ssm")
    for name, value in (("secret-key", secret_key), ("database-password", password)):
        ssm.put_parameter(Name=f"{ssm_prefix}/{name}", Value=value, Type="SecureString",
                          Overwrite=True)
    return stage


async def _seed(stage: Stage) -> None:
    engine = make_async_engine(stage.admin_url, poolclass=NullPool)
    store = stage.store()
    try:
        async with AsyncSession(engine) as session:
            await load_demo(session=session)
            await load_demo_tours(session=session, store=store, width=1024)
            await load_demo_guides(session=session, store=store)
            await auth_service.create_account(session=session, email=STAFF_EMAIL,
                                              password=stage.staff_password, role="editor",
                                              display_name="Biên tập")
            await session.commit()
    finally:
        await engine.dispose()


def seed(stage: Stage) -> None:
    """The demo destinations, tours (small panoramas) and guides, tiled into the bucket."""
    asyncio.run(_seed(stage))


def scalar(stage: Stage, query: str) -> Any:
    """One value read from the stage's database (as the admin role)."""
    engine = create_engine(stage.admin_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def execute(stage: Stage, *statements: str) -> None:
    """Statements run on the stage's database (as the admin role), committed."""
    _admin_execute(stage.admin_url, *statements)


def container(template: dict[str, Any], name: str, stage: Stage, *, python: Path, task: Path,
              runtime: Path, preexec: Callable[[], None] | None = None) -> BareLambda:
    """A fresh container of one function, with the template's environment (`preexec` runs
    in the child before the interpreter starts: the benchmark's cgroup)."""
    function = function_of(template, name)
    environment = {**function["Environment"]["Variables"], **stage.aws_environment(),
                   "TOURISM_FONT_DIR": str(task / "fonts")}  # /var/task/fonts on Lambda
    return BareLambda(python=python, task=task, runtime=runtime, handler=function["Handler"],
                      environment=environment, preexec=preexec)
