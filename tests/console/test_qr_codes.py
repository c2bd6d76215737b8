"""Staff create a QR code for a stop in the console, point it elsewhere, disable it, and print
the destination's sheet, which a real decoder (zbar) reads back; refusals write nothing; on
both databases."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from qr.models import QrCode
from tests.accounts.helpers import add_person, destination_id
from tests.console.test_destinations_forms import csrf_of, sign_in
from tests.qr.conftest import decode_labels
from tours.stops import NewStop, create_stop

SITE = "chua-ba-thien-hau"


async def codes_of(session: AsyncSession, stop_id: int) -> list[QrCode]:
    return list((await session.execute(select(QrCode).where(QrCode.stop_id == stop_id)
                                       .order_by(QrCode.id))).scalars())


async def test_a_code_for_a_stop_is_made_printed_and_read_back(
        client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path) -> None:
    site = await destination_id(session, SITE)
    editor = await add_person(session, "editor")
    stop = await create_stop(session=session, actor=editor.actor, data=NewStop(
        destination_id=site, title={"vi": "Cổng tam quan", "en": "The three-arch gate"}))
    stop_id, before = stop.id, len(await codes_of(session, stop.id))
    await session.commit()
    await sign_in(client, editor.email)
    page = await client.get(f"/console/destinations/{site}/qr")
    assert page.status_code == 200 and f'value="stop:{stop_id}"' in page.text
    made = await client.post(f"/console/destinations/{site}/qr", data={
        "csrf": csrf_of(page.text), "action": "create", "target": f"stop:{stop_id}",
        "wanted": "TRAM24"})
    assert made.status_code == 303, made.text
    assert [q.code for q in await codes_of(session, stop_id)][before:] == ["TRAM24"]
    taken = await client.post(f"/console/destinations/{site}/qr", data={
        "csrf": csrf_of(page.text), "action": "create", "target": f"stop:{stop_id}",
        "wanted": "TRAM24"})
    assert taken.status_code == 400 and "TRAM24" in taken.text
    elsewhere = await client.post(f"/console/destinations/{site}/qr", data={
        "csrf": csrf_of(page.text), "action": "create", "target": "stop:999999"})
    assert elsewhere.status_code == 400  # only this destination's targets
    assert await session.scalar(select(func.count()).select_from(QrCode).where(
        QrCode.code == "TRAM24")) == 1
    sheet = await client.post(f"/console/destinations/{site}/qr/sheet",
                              data={"csrf": csrf_of(page.text)})
    assert sheet.status_code == 303
    pdf = await client.get(sheet.headers["location"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "sheet.pdf").write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "sheet.pdf"),
                    str(tmp_path / "page")], check=True)
    decoded = decode_labels(sorted(tmp_path.glob("page-*.png")), tmp_path, dpi=150)
    assert "http://testserver/q/TRAM24" in decoded
    off = await client.post(f"/console/destinations/{site}/qr", data={
        "csrf": csrf_of(page.text), "action": "disable", "code": "TRAM24"})
    assert off.status_code == 303
    assert (await client.get("/q/TRAM24")).status_code == 404
    shown = await client.get(f"/console/destinations/{site}/qr")
    assert re.search(r"TRAM24</code></a> · (Disabled|Đã vô hiệu hóa)", shown.text)
