"""vnarchive's Datasette plugin (registered as the `vnarchive` entry point, so a plain
`datasette` run with the written metadata gets it too).

It adds the SQL functions of the researcher's filters to every connection (archive/filters.py:
folded place names, periods inside periods, the folded search expression), names the archive's
database `vnarchive` whatever its file is called (so addresses and saved queries do not depend
on the file name), and leads the home page with the dashboard and the main tables
(templates/index.html).
"""

from __future__ import annotations

from datasette import hookimpl

from archive.filters import register_functions

PLUGIN = "vnarchive"
# What a researcher opens first, in this order; the other tables are one click away.
MAIN_TABLES = ("reports", "report_figures", "articles", "meeting_reports", "officials",
               "figures", "sites")


@hookimpl
def prepare_connection(conn) -> None:
    register_functions(conn)


@hookimpl
def startup(datasette) -> None:
    """Rename the one archive database to the configured name (`vnarchive`)."""
    name = (datasette.plugin_config(PLUGIN) or {}).get("database_name")
    archives = [db for db in datasette.databases.values()
                if not db.is_memory and db.name != "_internal"]
    if not name or len(archives) != 1 or archives[0].name == name:
        return
    database = archives[0]
    datasette.remove_database(database.name)
    datasette.add_database(database, name=name)


@hookimpl
def extra_template_vars(template, datasette) -> dict:
    if template != "index.html":
        return {}
    name = (datasette.plugin_config(PLUGIN) or {}).get("database_name")
    if not name or name not in datasette.databases:
        return {}
    tables = datasette.metadata("tables", database=name) or {}
    queries = datasette.metadata("queries", database=name) or {}
    return {"vnarchive_home": {
        "database": name,
        "tables": [(table, tables.get(table, {}).get("description", ""))
                   for table in MAIN_TABLES],
        "queries": [(query, spec.get("title", query)) for query, spec in queries.items()],
    }}
