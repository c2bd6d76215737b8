"""Builds the Lambda artefacts without docker: manylinux wheels for the deployed CPython,
installed with pip's --platform/--only-binary into a folder, the project's packages beside
them, bytecode compiled by the deployed interpreter, zipped reproducibly.

    python -m deploy.build api tiler      # .build/api.zip, .build/tiler.zip

Outputs are cached in `.build/` (ignored by git), keyed on everything that goes in: a second
run with the same inputs only checks the keys.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build"
#: Lambda's runtime python3.13 (Amazon Linux 2023, glibc 2.34) on x86_64.
PYTHON_VERSION = "3.13"
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux2014_x86_64")
#: Bump when the steps below change what an artefact holds.
RECIPE = "4"
#: Where Lambda unpacks the code: bytecode records these paths for tracebacks.
TASK_ROOT = "/var/task"
#: Fixed time stamp of every zip entry (reproducible zips: same inputs, same bytes).
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
SOURCE_PACKAGES = ("api", "core", "accounts", "geo", "tours", "media", "qr")
#: The fonts of the QR print sheets (Debian's fonts-dejavu-core), shipped in fonts/.
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: Never in an artefact: the runtime provides boto3, and serving must not pull these in.
FORBIDDEN = {"api": ("boto3", "botocore", "s3transfer", "cv2", "simplejpeg", "pyproj"),
             "tiler": ("boto3", "botocore", "s3transfer", "pyproj", "fpdf", "fontTools",
                       "strawberry", "cv2")}
#: Folders of installed distributions that serve no running function.
PRUNED_DIRS = {"tests", "__pycache__", "include", "benchmarks"}
PRUNED_SUFFIXES = (".pyi", ".pyx", ".pxd", ".c", ".h", ".cpp")


class BuildError(RuntimeError):
    """An artefact cannot be built (no target interpreter, pip failed, a forbidden package)."""


@dataclass(frozen=True)
class Artefact:
    """One deployable zip: its pinned requirements and what it may not contain."""

    name: str
    requirements: Path

    @property
    def zip_path(self) -> Path:
        """Where the zip is written (serverless.yml's package.artifact)."""
        return BUILD / f"{self.name}.zip"


ARTEFACTS = {
    "api": Artefact("api", ROOT / "deploy" / "requirements-api.txt"),
    "tiler": Artefact("tiler", ROOT / "deploy" / "requirements-tiler.txt"),
}


def target_python(version: str = PYTHON_VERSION) -> Path:
    """The interpreter of the deployed Python version (pyenv's, or TOURISM_LAMBDA_PYTHON)."""
    given = os.environ.get("TOURISM_LAMBDA_PYTHON")
    candidates = [given] if given else []
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(str(pyenv / "versions" / f"{version}.*" / "bin" /
                                       f"python{version}")), reverse=True)
    candidates += [shutil.which(f"python{version}") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            found = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                   capture_output=True, text=True, check=False)
            if found.stdout.strip() == str(tuple(int(p) for p in version.split("."))):
                return Path(candidate)
    raise BuildError(
        f"no Python {version} interpreter: the Lambda artefacts are built and tested with the "
        f"deployed version (install it with `pyenv install {version}` or set "
        "TOURISM_LAMBDA_PYTHON to its path)")


def _requirement_lines(path: Path) -> list[str]:
    lines: list[str] = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            lines += _requirement_lines(path.parent / line[3:].strip())
        elif line:
            lines.append(line)
    return lines


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:20]


def _source_files() -> list[Path]:
    files = [p for package in SOURCE_PACKAGES for p in (ROOT / package).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    files += [p for p in (ROOT / "alembic").rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return sorted(files)


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def _prune(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in PRUNED_DIRS:
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in PRUNED_SUFFIXES:
            path.unlink()


def _compile(python: Path, folder: Path) -> None:
    # unchecked-hash: the .pyc is used as is (Lambda's file system is read-only, and zip time
    # stamps would make timestamp-checked bytecode stale at every cold start).
    _run([str(python), "-I", "-m", "compileall", "-q", "-j", "0",
          "--invalidation-mode", "unchecked-hash", "-s", str(folder), "-p", TASK_ROOT,
          str(folder)], "compileall")


def install_requirements(requirements: Path, target: Path, *, python: Path) -> None:
    """Pinned manylinux wheels for the deployed CPython, installed into `target`."""
    version = PYTHON_VERSION.replace(".", "")
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
          "--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON_VERSION,
          "--abi", f"cp{version}", "--abi", "abi3", "--abi", "none",
          *[f"--platform={p}" for p in PLATFORMS], "--target", str(target),
          "-r", str(requirements)], f"pip install -r {requirements.name}")


def _dependencies(artefact: Artefact, python: Path) -> Path:
    lines = _requirement_lines(artefact.requirements)
    key = _digest("\n".join(lines).encode(), PYTHON_VERSION.encode(), " ".join(PLATFORMS).encode(),
                  RECIPE.encode())
    folder = BUILD / "deps" / f"{artefact.name}-{key}"
    if folder.is_dir():
        return folder
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    flat = staging / "requirements.txt"
    flat.write_text("\n".join(lines) + "\n")
    site = staging / "site"
    install_requirements(flat, site, python=python)
    _prune(site)
    for name in FORBIDDEN[artefact.name]:
        if (site / name).exists():
            raise BuildError(f"{name} must not be in the {artefact.name} artefact")
    _compile(python, site)
    staging.rename(folder)
    return folder


def _copy_sources(into: Path) -> None:
    for path in _source_files():
        target = into / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for font in FONTS:
        source = FONT_DIR / font
        if not source.is_file():
            raise BuildError(f"{source} is missing: install Debian's fonts-dejavu-core")
        (into / "fonts").mkdir(exist_ok=True)
        shutil.copyfile(source, into / "fonts" / font)


def _write_zip(folders: list[Path], target: Path) -> None:
    partial = target.with_suffix(".zip.partial")
    entries: dict[str, Path] = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                entries.setdefault(path.relative_to(folder).as_posix(), path)
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=6) as archive:
        for name in sorted(entries):
            path = entries[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(info, "w") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
    partial.replace(target)


def build(artefact: Artefact, *, python: Path | None = None) -> Path:
    """The artefact's zip, rebuilt only when its inputs changed."""
    python = python or target_python()
    dependencies = _dependencies(artefact, python)
    sources = [path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes()
               for path in _source_files()]
    key = _digest(dependencies.name.encode(), *sources, RECIPE.encode(),
                  *[(FONT_DIR / f).read_bytes() for f in FONTS if (FONT_DIR / f).is_file()])
    stamp = artefact.zip_path.with_suffix(".key")
    if artefact.zip_path.is_file() and stamp.is_file() and stamp.read_text() == key:
        return artefact.zip_path
    code = BUILD / "code" / artefact.name
    shutil.rmtree(code, ignore_errors=True)
    code.mkdir(parents=True)
    _copy_sources(code)
    _compile(python, code)
    _write_zip([code, dependencies / "site"], artefact.zip_path)
    stamp.write_text(key)
    return artefact.zip_path


def runtime_site(*, python: Path | None = None) -> Path:
    """A folder holding what the Lambda runtime ships besides the standard library (boto3,
    botocore and their dependencies), for tests and benchmarks; never packaged."""
    python = python or target_python()
    requirements = ROOT / "deploy" / "requirements-runtime.txt"
    key = _digest(requirements.read_bytes(), PYTHON_VERSION.encode(), RECIPE.encode())
    folder = BUILD / "runtime" / key
    if not folder.is_dir():
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        install_requirements(requirements, staging, python=python)
        _compile(python, staging)
        staging.rename(folder)
    return folder


def unzipped_bytes(path: Path) -> int:
    """The size of a zip's content once unpacked (what Lambda's 250 MiB limit counts)."""
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def main(argv: list[str] | None = None) -> int:
    """Command line: build the named artefacts and print their sizes."""
    parser = argparse.ArgumentParser(prog="python -m deploy.build", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[[], *sorted(ARTEFACTS)],
                        help="artefacts to build (default: api)")
    parser.add_argument("--check", action="store_true",
                        help="only say which interpreter of the deployed Python builds")
    args = parser.parse_args(argv)
    try:
        python = target_python()
        if args.check:
            print(f"Lambda Python {PYTHON_VERSION}: {python}")
            return 0
        for name in args.names or ["api"]:
            path = build(ARTEFACTS[name], python=python)
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 2**20:.1f} MiB zipped, "
                  f"{unzipped_bytes(path) / 2**20:.1f} MiB unzipped")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
