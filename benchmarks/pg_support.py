"""PostgreSQL for the benchmarks: a throwaway schema on the team server, and the agency seed.

The server is ``KGI_BENCH_POSTGRES_URL`` (default: the one the test suite uses,
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each run works in a schema of its own
(``search_path``), dropped at the end, so it never touches anyone's data.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text

SERVER = os.environ.get("KGI_BENCH_POSTGRES_URL",
                        os.environ.get("KGI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
# What one agency client looks like at scale (issue 12): two years of daily rows for 20 campaigns.
CLIENT_DAYS = 730
CLIENT_CAMPAIGNS = 20
CLIENT_METRICS = ("revenue", "orders", "sessions", "clicks", "impressions", "ad_spend", "conversions",
                  "new_customers", "email_clicks")


def reachable() -> bool:
    """Whether the server answers (within a few seconds)."""
    try:
        engine = create_engine(SERVER, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@contextmanager
def throwaway_schema() -> Iterator[str]:
    """A database URL whose ``search_path`` is a fresh schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed_agency(engine, clients: int, end: date, *, seed: int = 11) -> int:  # noqa: ANN001
    """``clients`` workspaces of 2 years × daily × 20 campaigns × the metrics above, written
    with ``COPY`` (seeding is not what is measured); returns the observations written."""
    from core.catalog import load_catalog
    from core.workspaces import create_workspace

    catalog = load_catalog()
    metrics = [m for m in CLIENT_METRICS if m in catalog]
    days = pd.date_range(end - timedelta(days=CLIENT_DAYS), periods=CLIENT_DAYS, freq="D").date
    campaigns = [f"Campaign {c:02d}" for c in range(CLIENT_CAMPAIGNS)]
    rng = np.random.default_rng(seed)
    total = 0
    for n in range(clients):
        ws = create_workspace(engine, f"Client {n:02d}", "ecommerce", period_start=date(end.year, 1, 1))
        with engine.begin() as conn:
            batch = conn.execute(text(
                "INSERT INTO import_batch (workspace_id, file_name, file_hash, source, status, rows, metrics,"
                " replaced, errors, created_at) VALUES (:ws, 'seed.csv', :h, 'google_ads', 'imported', 0, '[]',"
                " 0, '[]', now()) RETURNING id"), {"ws": ws.id, "h": uuid.uuid4().hex}).scalar_one()
            frame = pd.DataFrame(
                [(ws.id, m, d, "day", 0.0, "google_ads", c, batch) for m in metrics for d in days for c in campaigns],
                columns=["workspace_id", "metric", "date", "granularity", "value", "source", "dimension", "import_id"],
            )
            frame["value"] = rng.lognormal(4, 0.5, len(frame)).round(2)
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False)
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                "COPY observation (workspace_id, metric, date, granularity, value, source, dimension, import_id)"
                " FROM STDIN WITH (FORMAT csv)"
            ) as copy:
                copy.write(buffer.getvalue())
            total += len(frame)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE observation"))
    return total
