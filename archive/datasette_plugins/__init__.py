"""Datasette plugins that `vnarchive serve` loads (`--plugins-dir`): one module per plugin."""
