"""Alembic migrations of the store's schema; run them with `dialogkit db upgrade`."""
