"""Building and shipping the Lambda artefacts (see README, Deploy)."""
