"""Places and where they are: destinations, regions, spatial and text search."""
