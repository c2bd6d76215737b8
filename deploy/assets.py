"""Copies the viewers' build files (Pannellum, Marzipano) from node_modules into the media
store, under `assets/`: in production the app redirects `/assets/...` there.

    python -m deploy.assets s3://BUCKET/PREFIX
    python -m deploy.assets --template .serverless/cloudformation-template-update-stack.json

`make deploy` runs the second form (the api function's TOURISM_MEDIA_URL), with the deployer's
AWS credentials.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from api.assets import NODE_MODULES, sync_viewer_assets
from media.store import make_store


def media_url_of(template: Path | None) -> str:
    """The TOURISM_MEDIA_URL of the api function in a packaged CloudFormation template."""
    if template is None:
        raise SystemExit("give s3://bucket/prefix or --template")
    resources = json.loads(template.read_text())["Resources"]
    variables = resources["ApiLambdaFunction"]["Properties"]["Environment"]["Variables"]
    return str(variables["TOURISM_MEDIA_URL"])


def main(argv: list[str] | None = None) -> int:
    """Command line: upload every viewer asset and print its key."""
    parser = argparse.ArgumentParser(prog="python -m deploy.assets", description=__doc__)
    parser.add_argument("media_url", nargs="?",
                        help="s3://bucket/prefix (TOURISM_MEDIA_URL of the stage)")
    parser.add_argument("--template", type=Path,
                        help="a packaged template: its api function's TOURISM_MEDIA_URL")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "ap-southeast-1"))
    parser.add_argument("--endpoint-url", default=os.environ.get("TOURISM_S3_ENDPOINT_URL"))
    args = parser.parse_args(argv)
    media_url = args.media_url or media_url_of(args.template)
    store = make_store(media_url, public_base_url="", secret_key="",
                       s3_endpoint_url=args.endpoint_url, s3_region=args.region)
    for key in sync_viewer_assets(store, NODE_MODULES):
        print(key)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
