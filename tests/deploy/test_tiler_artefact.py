"""The tiler artefact (its handler is a later step): built like the api's, and its image
libraries tile a panorama in a bare interpreter of the deployed Python."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from deploy import build
from deploy.invoke import unzip

TILE = """
import io, json, sys
sys.path.insert(0, sys.argv[1])
from PIL import Image
from media.images import probe
from media.panorama import tile_panorama
from media.store import LocalStore
import api.db, api.settings, media.service  # what the tiler's handler will import

picture = Image.new("RGB", (1024, 512), (90, 140, 210))
picture.paste((120, 90, 60), (0, 256, 1024, 512))
buffer = io.BytesIO()
picture.save(buffer, "JPEG", quality=90)
data = buffer.getvalue()
store = LocalStore(__import__("pathlib").Path(sys.argv[2]), public_base_url="http://t",
                   secret_key="k" * 40)
tiled = tile_panorama(data, probe(data), store)
print(json.dumps({"objects": len(tiled.sizes), "modules": sorted(
    m for m in ("cv2", "simplejpeg", "strawberry", "fpdf") if m in sys.modules)}))
"""


@pytest.fixture(scope="module")
def tiler_zip(lambda_python: Path) -> Path:
    """The tiler artefact (cached in .build/ on its inputs)."""
    return build.build(build.ARTEFACTS["tiler"], python=lambda_python)


def test_tiler_artefact_holds_the_image_libraries_and_not_the_http_stack(tiler_zip: Path
                                                                         ) -> None:
    with zipfile.ZipFile(tiler_zip) as archive:
        tops = {name.split("/", 1)[0] for name in archive.namelist()}
    assert {"cv2", "simplejpeg", "numpy", "PIL", "media", "sqlalchemy", "psycopg"} <= tops
    assert tops.isdisjoint({"boto3", "botocore", "strawberry", "fpdf", "fontTools", "mangum"})


def test_tiler_artefact_tiles_in_a_bare_interpreter(tiler_zip: Path, lambda_python: Path,
                                                    tmp_path: Path) -> None:
    task = unzip(tiler_zip, tmp_path / "task")
    result = subprocess.run([str(lambda_python), "-I", "-S", "-c", TILE, str(task),
                             str(tmp_path / "store")], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, cwd=task,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    assert answer["modules"] == ["cv2", "simplejpeg"]
    assert answer["objects"] > 20
    assert any((tmp_path / "store").rglob("*.jpg"))
