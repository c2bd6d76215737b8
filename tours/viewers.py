"""Viewer configurations of a tour, built in one place for the GraphQL API, the viewer page
and offline packs: Pannellum 2.5's tour JSON and Marzipano 0.10's scene data.

Both read the same tile objects (see media/tiling.py); `base_of(panorama)` gives the URL of a
panorama's folder (the app's /media route, a CDN, the app's redirect to signed URLs, or a
path inside an offline pack).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.language import pick_text
from media.models import Panorama
from media.store import MediaStore
from media.tiling import (
    MARZIPANO_PREVIEW_ORDER,
    MARZIPANO_TEMPLATE,
    PANNELLUM_FALLBACK_PATH,
    PANNELLUM_PATH,
    layout_for,
    panorama_prefix,
)
from tours.models import Hotspot, Scene, Tour

BaseOf = Callable[[Panorama], str]

#: The horizontal field of view a visitor may zoom between, in degrees: Pannellum's defaults,
#: given to Marzipano too so that both viewers allow the same.
HFOV_LIMITS = (50.0, 120.0)


class Viewer(StrEnum):
    """The 360° viewers a tour is configured for."""

    PANNELLUM = "pannellum"
    MARZIPANO = "marzipano"


@dataclass(frozen=True, slots=True)
class TourScenes:
    """A tour and what its viewers show: its scenes in order, their hotspots (by scene id)
    and their READY panoramas (by panorama id): a scene whose panorama is still being tiled
    (or failed) is left out, and so are the hotspots that lead to it."""

    tour: Tour
    scenes: Sequence[Scene]
    hotspots: Mapping[int, Sequence[Hotspot]]
    panoramas: Mapping[int, Panorama]

    @property
    def shown(self) -> list[Scene]:
        """The scenes whose panorama is READY, in order."""
        return [s for s in self.scenes
                if (p := self.panoramas.get(s.panorama_id)) is not None and p.ready]

    def shown_hotspots(self, scene: Scene) -> list[Hotspot]:
        """A shown scene's hotspots, without links to scenes that are not shown."""
        shown = {s.id for s in self.shown}
        return [h for h in self.hotspots.get(scene.id, ())
                if h.kind != "scene" or h.target_scene_id in shown]


def panorama_base_url(store: MediaStore, public_base_url: str, panorama: Panorama) -> str:
    """Where a panorama's objects are read from: the store's public URL, else the app's
    redirects to signed URLs (/panorama-tiles/{sha})."""
    found = store.public_prefix_url(panorama_prefix(panorama.sha256))
    return found or f"{public_base_url.rstrip('/')}/panorama-tiles/{panorama.sha256}"


def viewer_config(viewer: Viewer, tour: TourScenes, *, base_of: BaseOf, chain: Sequence[str],
                  max_level: int | None = None) -> dict[str, Any]:
    """A viewer's configuration of a tour; `max_level` caps Pannellum's levels (offline)."""
    if viewer is Viewer.MARZIPANO:
        return marzipano_config(tour, base_of=base_of, chain=chain)
    return pannellum_config(tour, base_of=base_of, chain=chain, max_level=max_level)


def scene_key(scene: Scene) -> str:
    """The id of a scene inside a viewer configuration."""
    return f"scene-{scene.id}"


def _pannellum_hotspot(hotspot: Hotspot, chain: Sequence[str]) -> dict[str, Any]:
    spot: dict[str, Any] = {"id": f"hotspot-{hotspot.id}", "pitch": hotspot.pitch,
                            "yaw": hotspot.yaw, "text": pick_text(hotspot.text, chain)}
    if hotspot.kind == "scene" and hotspot.target_scene_id is not None:
        spot.update(type="scene", sceneId=f"scene-{hotspot.target_scene_id}")
        if hotspot.target_yaw is not None:
            spot["targetYaw"] = hotspot.target_yaw
        if hotspot.target_pitch is not None:
            spot["targetPitch"] = hotspot.target_pitch
    else:
        spot["type"] = "info"
        if hotspot.kind == "stop":
            spot["cssClass"] = "pnlm-hotspot pnlm-info tour-stop"
    return spot


def _levels(panorama: Panorama, max_level: int | None) -> tuple[int, int]:
    """(top level, cube resolution at that level) of a panorama, capped at max_level."""
    if max_level is None or max_level >= panorama.levels:
        return panorama.levels, panorama.face_size
    layout = layout_for(panorama.width, panorama.height)
    top = min(layout.levels, max_level)
    return top, layout.level_size(top)


def pannellum_config(tour: TourScenes, *, base_of: BaseOf, chain: Sequence[str],
                     max_level: int | None = None) -> dict[str, Any]:
    """Pannellum's tour configuration (multires scenes), loadable by pannellum.viewer()."""
    scenes = tour.shown
    config: dict[str, Any] = {
        "default": {"firstScene": scene_key(scenes[0]) if scenes else None,
                    "title": pick_text(tour.tour.title, chain), "autoLoad": True,
                    "sceneFadeDuration": 600, "compass": True,
                    "minHfov": HFOV_LIMITS[0], "maxHfov": HFOV_LIMITS[1]},
        "scenes": {},
    }
    for scene in scenes:
        panorama = tour.panoramas[scene.panorama_id]
        base = base_of(panorama)
        top, cube = _levels(panorama, max_level)
        config["scenes"][scene_key(scene)] = {
            "title": pick_text(scene.title, chain), "type": "multires",
            "hfov": scene.initial_hfov, "yaw": scene.initial_yaw, "pitch": scene.initial_pitch,
            "northOffset": scene.north_offset, "preview": f"{base}/preview.jpg",
            "multiRes": {
                "basePath": base, "path": PANNELLUM_PATH,
                "fallbackPath": PANNELLUM_FALLBACK_PATH, "extension": "jpg",
                "tileResolution": panorama.tile_size, "maxLevel": top,
                "cubeResolution": cube,
            },
            "hotSpots": [_pannellum_hotspot(h, chain) for h in tour.shown_hotspots(scene)],
        }
    return config


def _marzipano_pitch(pitch_degrees: float) -> float:
    """A pitch of the data model (degrees, Pannellum's sign: up is positive) in Marzipano's
    terms: radians, down is positive (RectilinearView.coordinatesToScreen puts a point of
    pitch p at y = -sin p, below the horizon for p > 0, and a view of pitch p looks at it)."""
    return -math.radians(pitch_degrees)


def _marzipano_hotspot(hotspot: Hotspot, chain: Sequence[str]) -> dict[str, Any]:
    spot: dict[str, Any] = {"id": f"hotspot-{hotspot.id}", "yaw": math.radians(hotspot.yaw),
                            "pitch": _marzipano_pitch(hotspot.pitch)}
    if hotspot.kind == "scene" and hotspot.target_scene_id is not None:
        spot.update(rotation=0, target=f"scene-{hotspot.target_scene_id}",
                    title=pick_text(hotspot.text, chain))
        if hotspot.target_yaw is not None:
            spot["targetYaw"] = math.radians(hotspot.target_yaw)
        if hotspot.target_pitch is not None:
            spot["targetPitch"] = _marzipano_pitch(hotspot.target_pitch)
    else:
        spot.update(title=pick_text(hotspot.text, chain), text="", kind=hotspot.kind)
    return spot


def marzipano_config(tour: TourScenes, *, base_of: BaseOf, chain: Sequence[str]
                     ) -> dict[str, Any]:
    """Marzipano's scene data (the shape of Marzipano Tool's APP_DATA, angles in radians with
    Marzipano's pitch sign: down is positive), with each scene's tile URL template and cube
    preview for ImageUrlSource.fromString. The field of view is horizontal (`hfov`, and
    `hfovLimits`): Marzipano's `fov` is vertical and depends on the viewport's aspect, so a
    viewer sets `fov = Marzipano.util.convertFov.htov(hfov, width, height)` at its size."""
    low, high = HFOV_LIMITS
    data: dict[str, Any] = {
        "name": pick_text(tour.tour.title, chain),
        "settings": {"mouseViewMode": "drag", "autorotateEnabled": False,
                     "fullscreenButton": True, "viewControlButtons": True},
        "scenes": [],
    }
    for scene in tour.shown:
        panorama = tour.panoramas[scene.panorama_id]
        layout = layout_for(panorama.width, panorama.height)
        base = base_of(panorama)
        preview = layout.marzipano_preview_size
        levels = [{"tileSize": preview, "size": preview, "fallbackOnly": True}]
        levels += [{"tileSize": m.tile_size, "size": m.size} for m in layout.marzipano_levels]
        spots = [_marzipano_hotspot(h, chain) for h in tour.shown_hotspots(scene)]
        data["scenes"].append({
            "id": scene_key(scene), "name": pick_text(scene.title, chain),
            "urlTemplate": base + MARZIPANO_TEMPLATE,
            "cubeMapPreviewUrl": f"{base}/cube-preview.jpg",
            "cubeMapPreviewFaceOrder": MARZIPANO_PREVIEW_ORDER,
            "levels": levels, "faceSize": layout.marzipano_levels[-1].size,
            "initialViewParameters": {"yaw": math.radians(scene.initial_yaw),
                                      "pitch": _marzipano_pitch(scene.initial_pitch),
                                      "hfov": math.radians(scene.initial_hfov)},
            "hfovLimits": {"min": math.radians(low), "max": math.radians(high)},
            "northOffset": math.radians(scene.north_offset),
            "linkHotspots": [s for s in spots if "target" in s],
            "infoHotspots": [s for s in spots if "target" not in s],
        })
    return data


def tile_urls(panorama: Panorama, base: str) -> list[str]:
    """Every URL either viewer may ask for, for one panorama."""
    layout = layout_for(panorama.width, panorama.height)
    names = [k for level in range(1, layout.levels + 1) for k in layout.pannellum_keys(level)]
    names += [k for m in layout.marzipano_levels for k in layout.marzipano_keys(m)]
    names += layout.fallback_keys() + ["preview.jpg", "cube-preview.jpg", "thumb.jpg"]
    return [f"{base}/{name}" for name in names]
