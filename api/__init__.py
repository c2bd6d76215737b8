"""HTTP and GraphQL layer: the only package that knows Starlette and strawberry."""
