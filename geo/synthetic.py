"""Synthetic destinations spread over Vietnam, in bulk, for benchmarks (10k to 1M rows)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, text

from geo.models import Category, Province

#: Rough boxes (south, west, north, east) over Vietnam's land, with relative weights.
VIETNAM_BOXES: list[tuple[tuple[float, float, float, float], float]] = [
    ((21.0, 103.2, 22.9, 106.3), 3.0),   # northern mountains
    ((20.2, 105.4, 21.3, 106.9), 2.0),   # Red River delta (Hà Nội, Bắc Ninh...)
    ((18.0, 104.8, 20.2, 105.9), 2.0),   # Thanh Hóa, Nghệ An
    ((16.0, 106.5, 18.0, 107.4), 1.0),   # Quảng Bình to Huế
    ((12.5, 108.0, 16.0, 109.1), 2.0),   # south-central coast
    ((11.6, 107.4, 14.8, 108.5), 2.0),   # Central Highlands
    ((10.7, 106.0, 11.8, 107.5), 1.5),   # south-east (Bình Dương, Đồng Nai...)
    ((9.0, 104.9, 10.8, 106.6), 2.5),    # Mekong delta
]
SYNTHETIC_PROVINCE = "synthetic"
SLUG_PREFIX = "synthetic-"


def synthetic_points(count: int, seed: int = 7) -> Iterator[tuple[float, float]]:
    """count (lat, lng) positions over Vietnam, reproducible for a seed."""
    rng = random.Random(seed)
    boxes = [box for box, _ in VIETNAM_BOXES]
    weights = [w for _, w in VIETNAM_BOXES]
    for _ in range(count):
        south, west, north, east = rng.choices(boxes, weights)[0]
        yield round(rng.uniform(south, north), 6), round(rng.uniform(west, east), 6)


def _rows(count: int, start: int, seed: int) -> Iterator[dict[str, object]]:
    categories = [c.value for c in Category]
    now = datetime.now(UTC).isoformat()
    for n, (lat, lng) in enumerate(synthetic_points(count, seed), start=start):
        yield {
            "slug": f"{SLUG_PREFIX}{n}", "status": "published",
            "category": categories[n % len(categories)], "province_code": SYNTHETIC_PROVINCE,
            "name": json.dumps({"vi": f"Điểm đến thử nghiệm {n}",
                                "en": f"Synthetic destination {n}"}, ensure_ascii=False),
            "description": "{}", "address": "{}", "prices": "[]", "contact": "{}",
            "accessibility": "{}", "created_at": now, "updated_at": now,
            "lng": lng, "lat": lat,
        }


_COLUMNS = ("slug, status, category, province_code, name, description, address, prices, "
            "contact, accessibility, created_at, updated_at")


def generate(engine: Engine, count: int, *, seed: int = 7, batch: int = 20_000) -> int:
    """Inserts count synthetic destinations (no search terms, no hours); gives the count."""
    with engine.begin() as conn:
        exists = conn.execute(select(Province.code).where(
            Province.code == SYNTHETIC_PROVINCE)).first()
        if exists is None:
            conn.execute(insert(Province).values(
                code=SYNTHETIC_PROVINCE, name={"vi": "Dữ liệu tổng hợp", "en": "Synthetic data"}))
        start = conn.execute(text("SELECT count(*) FROM destination WHERE slug LIKE :p"),
                             {"p": SLUG_PREFIX + "%"}).scalar_one()
    if engine.dialect.name == "postgresql":
        _copy_postgis(engine, count, start, seed)
    else:
        _insert_spatialite(engine, count, start, seed, batch)
    return count


def _copy_postgis(engine: Engine, count: int, start: int, seed: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY destination ({_COLUMNS}, location) FROM STDIN") as copy:
            for row in _rows(count, start, seed):
                copy.write_row([row[c.strip()] for c in _COLUMNS.split(",")]
                               + [f"SRID=4326;POINT({row['lng']} {row['lat']})"])
        raw.commit()
        cursor.execute("ANALYZE destination")
        raw.commit()
    finally:
        raw.close()


def _insert_spatialite(engine: Engine, count: int, start: int, seed: int, batch: int) -> None:
    names = [c.strip() for c in _COLUMNS.split(",")]
    stmt = text(f"INSERT INTO destination ({_COLUMNS}, location) VALUES ("
                + ", ".join(":" + n for n in names) + ", MakePoint(:lng, :lat, 4326))")
    rows = list(_rows(count, start, seed))
    with engine.begin() as conn:
        for i in range(0, len(rows), batch):
            conn.execute(stmt, rows[i:i + batch])
        conn.execute(text("ANALYZE"))
