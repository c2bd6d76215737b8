"""The api artefact holds what serving and migrating need, compiled, and nothing heavier."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from deploy import build

MAX_UNZIPPED_MIB = 200


def test_api_artefact_is_under_its_size_budget(api_zip: Path) -> None:
    unzipped = build.unzipped_bytes(api_zip)
    assert unzipped <= MAX_UNZIPPED_MIB * 2**20, f"{unzipped / 2**20:.1f} MiB unzipped"
    assert api_zip.stat().st_size < unzipped  # compressed


def test_api_artefact_leaves_boto3_to_the_runtime_and_image_libraries_to_the_tiler(
        api_zip: Path) -> None:
    with zipfile.ZipFile(api_zip) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    for absent in ("boto3", "botocore", "s3transfer", "cv2", "simplejpeg", "pyproj", "typer",
                   "uvicorn", "aiosqlite"):
        assert absent not in tops
    for present in ("api", "core", "accounts", "geo", "tours", "media", "qr", "alembic", "fonts",
                    "mangum",
                    "psycopg", "psycopg_binary", "shapely", "numpy", "PIL", "sqlalchemy"):
        assert present in tops
    assert not any(top.startswith("opencv") for top in tops)


def test_api_artefact_holds_the_pages_message_catalogues(api_zip: Path) -> None:
    with zipfile.ZipFile(api_zip) as archive:
        names = set(archive.namelist())
    for lang in ("vi", "en", "ko", "zh", "ja", "fr"):  # read by gettext: no Babel needed
        assert f"api/locale/{lang}/LC_MESSAGES/messages.mo" in names
    assert not any(name.startswith("babel/") for name in names)


def test_every_module_has_bytecode_of_the_deployed_python(api_zip: Path,
                                                          lambda_python: Path) -> None:
    magic = subprocess.run(
        [str(lambda_python), "-I", "-c",
         "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True, text=True, check=True).stdout
    tag = "cpython-" + build.PYTHON_VERSION.replace(".", "")
    with zipfile.ZipFile(api_zip) as archive:
        names = set(archive.namelist())
        sources = [n for n in names if n.endswith(".py")]
        missing = [n for n in sources
                   if (Path(n).parent / "__pycache__" / f"{Path(n).stem}.{tag}.pyc").as_posix()
                   not in names]
        assert len(sources) > 1000 and missing == []
        header = archive.read(f"api/__pycache__/lambda_handler.{tag}.pyc")[:8]
    assert header[:4].hex() == magic
    # hash-based, unchecked: used as is on Lambda's read-only file system
    assert int.from_bytes(header[4:8], "little") == 0b01


def test_a_second_build_reuses_the_first(api_zip: Path, lambda_python: Path) -> None:
    before = api_zip.stat().st_mtime_ns
    again = build.build(build.ARTEFACTS["api"], python=lambda_python)
    assert again == api_zip and again.stat().st_mtime_ns == before
