"""Media: storage (local folder or S3), panoramas and their tiles, images, audio."""
