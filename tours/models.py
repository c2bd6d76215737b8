"""Tables of the tours area: virtual tours, scenes and hotspots; guided stops and narrations."""

from __future__ import annotations

from geo.base import Base

# -- virtual tours: tours, scenes, hotspots -----------------------------------------------


# -- guided stops and their narrations ------------------------------------------------------

__all__ = ["Base"]
