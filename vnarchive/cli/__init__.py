"""The `vnarchive` command, on click: one group, its commands kept by theme in the modules of
this package (crawling, sites, local_web, operations, research, texts). Each command is thin: it
reads its options and calls the project's Python API. Every command ends with one of the exit
codes of HELP (README, "Crashes, stops and bad input")."""

from __future__ import annotations

import sys

import click

from vnarchive.cli import crawling, local_web, operations, research, sites, texts
from vnarchive.cli.exits import (
    ENDINGS,
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    exit_code_of,
    single_line,
    take_over_stop_signals,
)

HELP = """Crawl Vietnamese provincial news sites and district government portals into an SQLite
archive, and read it: search, SQL, exports, Datasette. `vnarchive COMMAND --help` tells more.

\b
Exit codes, the same for every command:
  0  done
  1  failed (a crawl), or a site is unhealthy (status)
  2  bad input: one line names the problem (a bad argument, profile, file or SQL
     statement, an output that may not be written, a file that is not an archive,
     an archive a newer vnarchive wrote, to a writing command); nothing was written
  3  another run holds the archive's lock: not started
  4  stopped by one SIGTERM or Ctrl-C (a crawl finishes its pages in flight; a query
     stops)
  5  stopped at once by a second SIGTERM or Ctrl-C
  6  disk full
  7  a crawl finished, but a site's listing pages gave no article link (one line per
     site)
  8  a query ran past its --timeout
  9  the archive is damaged (it fails SQLite's quick_check, or a read met a damaged
     page): refused, nothing written
  10 a crawl finished, but a site answered no request at all: down, refusing, or a
     wrong address (one line per site)
  11 a distributed worker ended, but Redis had forgotten its round meanwhile (one line
     says so): run the same crawl again for what the round lost
"""
COMMANDS = (crawling.crawl, crawling.ingest, crawling.rejected, crawling.import_files,
            crawling.schedule, sites.sites, local_web.demo, local_web.testweb, operations.status,
            operations.reprocess, operations.compact, research.search, research.query,
            research.page, research.export, research.serve, texts.classify, texts.extract)


class CommandGroup(click.Group):
    """Click's group, where whatever stops a command becomes its exit code and one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ENDINGS as error:
            return exit_code_of(ctx.invoked_subcommand or "", error)


@click.group(cls=CommandGroup, help=HELP,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="vnarchive", prog_name="vnarchive")
@click.pass_context
def cli(ctx: click.Context) -> None:
    # Runs once the command is known, before its own options are read.
    take_over_stop_signals(ctx.invoked_subcommand)


for command in COMMANDS:
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run `vnarchive ARGV` (default: this process's arguments) and return its exit code. A bad
    argument is told in one line and raises SystemExit(2), as a usage error always has."""
    try:
        return cli.main(args=argv, prog_name="vnarchive", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:  # `vnarchive` alone: what it can do
        click.echo(error.format_message(), err=True)
        raise SystemExit(EXIT_BAD_INPUT) from None
    except click.ClickException as error:
        print(one_line(error), file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    except click.Abort:  # Ctrl-C while click read the arguments
        print("vnarchive: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def one_line(error: click.ClickException) -> str:
    """Click's usage error in one line, naming the command (click prints the usage too)."""
    context = getattr(error, "ctx", None)
    path = context.command_path if context else "vnarchive"
    message = single_line(error.format_message())
    return f"{path}: error: {message} (see {path} --help)"
