"""The two reference servers of the incoming-call benchmark: the same stack (uvicorn, FastAPI) as `fluxx serve`.

- `POST /constant`: a constant TwiML answer (what the bare stack can do);
- `POST /commit`: the same answer after one SQLite INSERT and COMMIT in a sync route (WAL, synchronous=NORMAL
  as ours), one connection per thread of the thread pool.

    uvicorn bench.reference_app:app --port 8766        (REFERENCE_DB=/path/to/file.db)
"""

from __future__ import annotations

import os
import sqlite3
import threading

from fastapi import FastAPI
from fastapi.responses import Response

ANSWER = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hallo</Say><Gather/></Response>'
DATABASE = os.environ.get("REFERENCE_DB", "reference.db")
_local = threading.local()

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


def _connection() -> sqlite3.Connection:
    connection: sqlite3.Connection | None = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(DATABASE, timeout=10, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS row (id INTEGER PRIMARY KEY, at REAL)")
        connection.commit()
        _local.connection = connection
    return connection


@app.get("/healthz")
async def healthz() -> Response:
    return Response("ok")


@app.post("/constant")
async def constant() -> Response:
    return Response(ANSWER, media_type="text/xml")


@app.post("/commit")
def commit() -> Response:
    connection = _connection()
    connection.execute("INSERT INTO row (at) VALUES (julianday('now'))")
    connection.commit()
    return Response(ANSWER, media_type="text/xml")
