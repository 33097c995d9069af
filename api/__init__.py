"""The HTTP entrypoint: a FastAPI app with one router per area."""
