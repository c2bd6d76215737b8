"""A scene may be added to a panorama the tiler is still working on: the viewers show it, and
the links to it, once the panorama is READY."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from geo.geometry import GeoPoint
from media import ingest
from media import service as media_service
from media.store import LocalStore
from tests.media.panorama_images import direction_panorama, encoded
from tests.qr.conftest import STAFF
from tests.tours.conftest import make_small_tour
from tours import service, viewers


async def test_a_scene_of_a_pending_panorama_shows_once_it_is_ready(
        session: AsyncSession, sessions: async_sessionmaker[AsyncSession],
        tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "media", public_base_url="http://t", secret_key="k" * 40)
    small = await make_small_tour(session, store)
    issued = await media_service.request_panorama_upload(
        session=session, store=store, actor=STAFF, content_type="image/jpeg")
    store.put(issued.key, encoded(direction_panorama(1536), "JPEG"), "image/jpeg")
    pending, _ = await media_service.add_panorama_from_upload(
        session=session, store=store, actor=STAFF, key=issued.key)
    scene = await service.add_scene(session=session, actor=STAFF, tour_id=small.tour.id,
                                    scene=service.NewScene(
                                        panorama_id=pending.id, title={"vi": "Hậu cung"},
                                        location=GeoPoint(lat=10.98, lng=106.6541)))
    await service.add_hotspot(session=session, actor=STAFF, scene_id=small.scenes[0].id,
                              kind="scene", yaw=90, pitch=0, target_scene_id=scene.id)
    tour_id, scene_id, key = small.tour.id, scene.id, viewers.scene_key(scene)
    await session.commit()

    async def shown() -> tuple[list[str], list[int], list[str]]:
        found = await service.get_published_tour_scenes(session=session, tour_id=tour_id)
        assert found is not None
        pannellum = viewers.pannellum_config(found, base_of=lambda p: "b", chain=("vi",))
        marzipano = viewers.marzipano_config(found, base_of=lambda p: "b", chain=("vi",))
        links = [h.get("sceneId", "") for s in pannellum["scenes"].values()
                 for h in s["hotSpots"]]
        return list(pannellum["scenes"]), [s.id for s in found.scenes], links + [
            s["id"] for s in marzipano["scenes"]]

    names, ids, links = await shown()
    assert key not in names and scene_id not in ids and key not in links
    done = await ingest.ingest_upload(sessions=sessions, store=store, key=issued.key)
    assert done.status == "ready"
    session.expire_all()
    names, ids, links = await shown()
    assert names[-1] == key and ids[-1] == scene_id
    assert links.count(key) == 2  # the link, and Marzipano's scene
