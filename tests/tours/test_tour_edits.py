"""Staff change and remove tours, scenes and hotspots (tours/tour_edits.py), on both
databases: each edit lands and is in the audit trail; each refusal has its code and writes
nothing; owners and visitors are refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.permissions import (
    ANONYMOUS,
    Actor,
    AuthenticationRequired,
    PermissionDenied,
    Role,
)
from core.errors import DomainError
from geo.listings.models import AuditEvent
from media.store import LocalStore
from qr.models import QrCode, TargetKind
from qr.service import QrTarget, create_qr_code
from tests.accounts.helpers import add_person
from tests.tours.conftest import SmallTour, make_small_tour
from tours import tour_edits
from tours.models import Hotspot, Scene, Tour
from tours.tour_edits import HotspotEdit, SceneEdit

OWNER = Actor(role=Role.OWNER, account_id=7, destination_ids=frozenset({1, 2, 3}))


async def _rows(session: AsyncSession) -> list[tuple[Any, ...]]:
    """Every tour, scene and hotspot as stored, and the audit trail's length."""
    tours = (await session.execute(select(Tour.id, Tour.title).order_by(Tour.id))).all()
    scenes = (await session.execute(select(
        Scene.id, Scene.position, Scene.title, Scene.initial_yaw, Scene.initial_pitch,
        Scene.initial_hfov, Scene.north_offset).order_by(Scene.id))).all()
    spots = (await session.execute(select(
        Hotspot.id, Hotspot.yaw, Hotspot.pitch, Hotspot.text, Hotspot.target_scene_id,
        Hotspot.target_yaw).order_by(Hotspot.id))).all()
    audit = await session.scalar(select(func.count()).select_from(AuditEvent))
    return [*tours, *scenes, *spots, (audit,)]


@pytest.fixture
async def small(session: AsyncSession, tmp_path: Path, staff: Actor) -> SmallTour:
    store = LocalStore(tmp_path / "media", public_base_url="http://t", secret_key="k" * 40)
    return await make_small_tour(session, store)


@pytest.fixture
async def staff(session: AsyncSession) -> Actor:
    """An editor with an account (the audit trail names it)."""
    return (await add_person(session, "editor")).actor


async def test_titles_view_and_north_of_a_scene_change_and_are_recorded(
        session: AsyncSession, small: SmallTour, staff: Actor) -> None:
    one, tour_id = small.scenes[0].id, small.tour.id
    await tour_edits.update_scene(session=session, actor=staff, scene_id=one, edit=SceneEdit(
        title={"vi": "Cổng chùa", "en": "The gate"}, yaw=-45.5, pitch=12, hfov=80,
        north_offset=-90))
    await tour_edits.update_tour(session=session, actor=staff, tour_id=tour_id,
                                 title={"vi": "Chùa Bà", "ko": "티엔허우 사원"})
    session.expire_all()
    scene = await session.get(Scene, one)
    assert scene is not None
    assert (scene.title, scene.initial_yaw, scene.initial_pitch, scene.initial_hfov,
            scene.north_offset) == ({"vi": "Cổng chùa", "en": "The gate"}, -45.5, 12, 80, -90)
    tour = await session.get(Tour, tour_id)
    assert tour is not None and tour.title == {"vi": "Chùa Bà", "ko": "티엔허우 사원"}
    actions = list((await session.execute(select(AuditEvent.action).order_by(AuditEvent.id)
                                          )).scalars())
    assert actions[-2:] == ["scene.updated", "tour.updated"]


async def test_scenes_move_up_and_down_and_close_up_when_one_is_deleted(
        session: AsyncSession, small: SmallTour, staff: Actor) -> None:
    (one, two), tour_id = [s.id for s in small.scenes], small.tour.id
    order = await tour_edits.move_scene(session=session, actor=staff, scene_id=two, by=-1)
    assert [s.id for s in order] == [two, one]
    again = await tour_edits.move_scene(session=session, actor=staff, scene_id=two, by=-1)
    assert [s.id for s in again] == [two, one]  # already first: stays
    code = await create_qr_code(session=session, actor=staff,
                                target=QrTarget(TargetKind.SCENE, one), code="CANH2")
    code_id = code.id
    await tour_edits.delete_scene(session=session, actor=staff, scene_id=two)
    left = (await session.execute(select(Scene.id, Scene.position).where(
        Scene.tour_id == tour_id))).all()
    assert [tuple(row) for row in left] == [(one, 0)]
    # the link from scene one to scene two went with it; scene two's own hotspot too
    assert list((await session.execute(select(Hotspot.id).where(
        Hotspot.scene_id.in_([one, two])))).scalars()) == []
    assert await session.scalar(select(QrCode.scene_id).where(QrCode.id == code_id)) == one


async def test_a_hotspot_moves_says_something_else_and_is_deleted(
        session: AsyncSession, small: SmallTour, staff: Actor) -> None:
    (one, two), tour_id = [s.id for s in small.scenes], small.tour.id
    link = await session.scalar(select(Hotspot.id).where(Hotspot.scene_id == one))
    info = await session.scalar(select(Hotspot.id).where(Hotspot.scene_id == two))
    assert link is not None and info is not None
    await tour_edits.update_hotspot(session=session, actor=staff, hotspot_id=link,
                                    edit=HotspotEdit(yaw=-170, pitch=20, text={"en": "In"},
                                                     target_scene_id=two, target_yaw=5))
    await tour_edits.update_hotspot(session=session, actor=staff, hotspot_id=info,
                                    edit=HotspotEdit(yaw=1, pitch=-2, text={"vi": "Bàn thờ"}))
    moved = (await session.execute(select(Hotspot.yaw, Hotspot.pitch, Hotspot.text,
                                          Hotspot.target_yaw).where(Hotspot.id == link))).one()
    assert tuple(moved) == (-170, 20, {"en": "In"}, 5)
    await tour_edits.delete_hotspot(session=session, actor=staff, hotspot_id=info)
    assert await tour_edits.hotspot_scene(session=session, hotspot_id=info) is None
    await tour_edits.delete_tour(session=session, actor=staff, tour_id=tour_id)
    assert await session.scalar(select(func.count()).select_from(Scene).where(
        Scene.tour_id == tour_id)) == 0


Attempt = Callable[[AsyncSession], Awaitable[Any]]


def _refusals(small: SmallTour, staff: Actor) -> list[tuple[str, Attempt]]:
    tour, (one, two) = small.tour.id, [s.id for s in small.scenes]

    async def spot_of(session: AsyncSession, scene: int) -> int:
        return int((await session.execute(select(Hotspot.id).where(
            Hotspot.scene_id == scene))).scalar_one())

    async def link(session: AsyncSession, **edit: Any) -> Any:
        return await tour_edits.update_hotspot(
            session=session, actor=staff, hotspot_id=await spot_of(session, one),
            edit=HotspotEdit(**{"yaw": 0, "pitch": 0, "target_scene_id": two, **edit}))

    def scene(**edit: Any) -> Callable[[AsyncSession], Awaitable[Any]]:
        return lambda s: tour_edits.update_scene(session=s, actor=staff, scene_id=one,
                                                 edit=SceneEdit(title={"vi": "Mới"}, **edit))

    return [
        ("INVALID_ANGLE", scene(yaw=181)),
        ("INVALID_ANGLE", scene(pitch=float("nan"))),
        ("INVALID_ANGLE", scene(hfov=10)),
        ("INVALID_ANGLE", scene(north_offset=400)),
        ("INVALID_TITLE", lambda s: tour_edits.update_scene(
            session=s, actor=staff, scene_id=one, edit=SceneEdit(title={}, yaw=10))),
        ("INVALID_TITLE", lambda s: tour_edits.update_tour(session=s, actor=staff,
                                                           tour_id=tour, title={"vi": " "})),
        ("SCENE_NOT_FOUND", lambda s: tour_edits.update_scene(
            session=s, actor=staff, scene_id=987654, edit=SceneEdit(yaw=1))),
        ("TOUR_NOT_FOUND", lambda s: tour_edits.delete_tour(session=s, actor=staff,
                                                            tour_id=987654)),
        ("INVALID_MOVE", lambda s: tour_edits.move_scene(session=s, actor=staff,
                                                         scene_id=one, by=2)),
        ("INVALID_ANGLE", lambda s: link(s, yaw=200)),
        ("INVALID_ANGLE", lambda s: link(s, pitch=-91)),
        ("INVALID_ANGLE", lambda s: link(s, target_pitch=95)),
        ("INVALID_HOTSPOT", lambda s: link(s, target_scene_id=one)),  # itself
        ("INVALID_HOTSPOT", lambda s: link(s, target_scene_id=None)),
        ("INVALID_HOTSPOT", lambda s: _info_without_text(s, two, staff)),
        ("HOTSPOT_NOT_FOUND", lambda s: tour_edits.delete_hotspot(session=s, actor=staff,
                                                                  hotspot_id=987654)),
    ]


async def _info_without_text(session: AsyncSession, scene: Scene, staff: Actor) -> Any:
    spot = (await session.execute(select(Hotspot.id).where(Hotspot.scene_id == scene)
                                  )).scalar_one()
    return await tour_edits.update_hotspot(session=session, actor=staff, hotspot_id=spot,
                                           edit=HotspotEdit(yaw=0, pitch=0, text=None))


async def test_each_refusal_has_its_code_and_writes_nothing(
        session: AsyncSession, small: SmallTour, staff: Actor) -> None:
    for code, attempt in _refusals(small, staff):
        before = await _rows(session)
        with pytest.raises(DomainError) as refused:
            await attempt(session)
        assert refused.value.code == code, (code, refused.value.message)
        assert await _rows(session) == before, code


@pytest.mark.parametrize("actor", [OWNER, ANONYMOUS], ids=["owner", "anonymous"])
async def test_only_staff_edit_tours(session: AsyncSession, small: SmallTour,
                                     actor: Actor) -> None:
    (one, two), tour_id = [s.id for s in small.scenes], small.tour.id
    before = await _rows(session)
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: tour_edits.update_tour(session=session, actor=actor, tour_id=tour_id,
                                       title={"vi": "Của tôi"}),
        lambda: tour_edits.delete_tour(session=session, actor=actor, tour_id=tour_id),
        lambda: tour_edits.update_scene(session=session, actor=actor, scene_id=one,
                                        edit=SceneEdit(yaw=3)),
        lambda: tour_edits.move_scene(session=session, actor=actor, scene_id=two, by=-1),
        lambda: tour_edits.delete_scene(session=session, actor=actor, scene_id=one),
    ]
    for attempt in attempts:
        with pytest.raises((PermissionDenied, AuthenticationRequired)):
            await attempt()
    assert await _rows(session) == before


EDITS = """
mutation($tour: ID!, $one: ID!, $two: ID!, $spot: ID!) {
  updateTour(id: $tour, title: [{lang: "vi", text: "Chùa Bà"}]) { id title }
  updateScene(input: {id: $one, yaw: 30, northOffset: -15}) { id }
  moveScene(id: $two, by: -1) { id }
  updateHotspot(input: {id: $spot, yaw: 12, pitch: -3, targetSceneId: $two}) { id }
}"""
BAD_ANGLE = """mutation($spot: ID!, $two: ID!) {
  updateHotspot(input: {id: $spot, yaw: 200, pitch: 0, targetSceneId: $two}) { id } }"""
REMOVALS = """
mutation($tour: ID!, $one: ID!, $spot: ID!) {
  deleteHotspot(id: $spot)
  deleteScene(id: $one)
  deleteTour(id: $tour)
}"""


async def test_the_graphql_api_has_the_same_edits(
        client: Any, session: AsyncSession, small: SmallTour) -> None:
    from api.types.common import to_global_id
    from tests.conftest import graphql

    editor = await add_person(session, "editor")
    owner = await add_person(session, "owner")
    (one, two), tour = [s.id for s in small.scenes], small.tour.id
    spot = await session.scalar(select(Hotspot.id).where(Hotspot.scene_id == one))
    ids = {"tour": to_global_id("Tour", tour), "one": to_global_id("Scene", one),
           "two": to_global_id("Scene", two), "spot": to_global_id("Hotspot", spot or 0)}
    refused = await graphql(client, EDITS, ids, headers=owner.headers)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
    before = await _rows(session)
    bad = await graphql(client, BAD_ANGLE, {"spot": ids["spot"], "two": ids["two"]},
                        headers=editor.headers)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ANGLE", bad
    assert await _rows(session) == before
    done = await graphql(client, EDITS, ids, headers=editor.headers)
    assert "errors" not in done, done
    assert done["data"]["updateTour"]["title"] == "Chùa Bà"
    assert [s["id"] for s in done["data"]["moveScene"]] == [ids["two"], ids["one"]]
    assert tuple((await session.execute(select(Hotspot.yaw, Hotspot.pitch).where(
        Hotspot.id == spot))).one()) == (12, -3)
    gone = await graphql(client, REMOVALS, {k: ids[k] for k in ("tour", "one", "spot")},
                         headers=editor.headers)
    assert gone["data"] == {"deleteHotspot": ids["spot"], "deleteScene": ids["one"],
                            "deleteTour": ids["tour"]}, gone
    assert await session.scalar(select(func.count()).select_from(Tour).where(
        Tour.id == tour)) == 0
