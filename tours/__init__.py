"""Virtual tours (scenes, hotspots, viewer configs) and guided stops with their narrations."""
