"""The HTTP API (`govrules serve`) and what it needs: tokens, the decision log, metrics.

Only `app.py` and `serve_command.py` import FastAPI and uvicorn; `tokens`, `audit` and their commands work without the
`server` extra, so `govrules token create` and `govrules audit verify` run anywhere. Nothing here is imported by the
CLI until one of these commands runs.
"""
