"""AWS Lambda entry point: the same app behind API Gateway, made once per container."""

from mangum import Mangum

from api.app import create_app

app = create_app()
handler = Mangum(app, lifespan="off")
