"""Alembic migrations of the TraderAgent schema, shipped inside the package.

`storage.schema_version` runs them (script location resolved from this package, not the cwd);
`traderagent db upgrade` and every `Database.open` upgrade a database to the head revision.
"""
