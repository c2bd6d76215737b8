"""The ASGI app for uvicorn, built once from the environment."""

from api.app import create_app

app = create_app()
