"""AWS Lambda entry point: the same app behind API Gateway, made once per container.

The lifespan stays off: Mangum (0.22) runs it around every invocation, and its shutdown
disposes of the engine. Nothing waits for it: a scan is counted and a limiter's token taken
in the database before the answer leaves (api/usage_counter.py, api/ratelimit.py), so a
container frozen or recycled right after answering has lost nothing."""

from mangum import Mangum

from api.app import create_app

app = create_app()
handler = Mangum(app, lifespan="off")
