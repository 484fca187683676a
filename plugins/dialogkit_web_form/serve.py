"""`dialogkit serve PROJECT_DIR`: the web form on this machine, over the project's store, with
the pages plugins register (``dialogkit_web_apps``) mounted at ``/NAME/``."""

from __future__ import annotations

import socket
from pathlib import Path

import click
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from dialogkit.cli import current_plugin_system
from dialogkit.diagnostics import ScriptError
from dialogkit.followups import probes_from_plugins
from dialogkit.plugin_types import WebAppContext
from dialogkit.store import open_store
from dialogkit.store.config import StoreConfigError
from dialogkit.store.store import StoreError
from dialogkit_web_form.app import create_app
from dialogkit_web_form.project import ProjectError, load_project, test_respondents


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}; "
                                   "choose another port with --port") from None
    return sock


@click.command()
@click.argument("project_dir", metavar="PROJECT_DIR",
                type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (this machine only by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port to listen on (0: any free port).")
@click.option("--database-url", "url", default=None,
              help="The store's URL (default: the project's, or SQLite in PROJECT_DIR).")
@click.option("--open/--no-open", "open_links", default=False,
              help="Let anyone with the address start a session of each script.")
@click.option("--test-links/--no-test-links", default=True, show_default=True,
              help="Start a session for a test respondent per segment and role, and print "
                   "their links.")
@click.pass_context
def serve(ctx: click.Context, project_dir: str, host: str, port: int, url: str | None,
          open_links: bool, test_links: bool) -> None:
    """Serve the web form for the scripts in PROJECT_DIR."""
    system = current_plugin_system(ctx)
    question_types = system.registry.question_types
    try:
        project = load_project(project_dir, question_types)
    except ScriptError as error:
        for diagnostic in error.diagnostics:
            click.echo(diagnostic.format(), err=True)
        ctx.exit(1)
    except ProjectError as error:
        raise click.ClickException(str(error)) from None
    try:
        store = open_store(url, project_dir, question_types=question_types,
                           follow_up=probes_from_plugins(system.manager))
    except (StoreConfigError, StoreError) as error:
        raise click.ClickException(str(error)) from None
    app = create_app(store,
                     open_scripts=project.scripts if open_links else ())
    web_apps = system.registry.web_apps
    if web_apps:
        context = WebAppContext(store=store, project_dir=Path(project_dir),
                                scripts=tuple(project.scripts), hook=system.manager.hook)
        try:
            mounted = [Mount(f"/{name}", app=record.factory(context))
                       for name, record in sorted(web_apps.items())]
        except ValueError as error:
            store.close()
            raise click.ClickException(str(error)) from None
        app = Starlette(routes=[*mounted, Mount("", app=app)])
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    base = f"http://{shown_host}:{port}"
    click.echo(f"dialogkit web form: {base}/  (store: "
               f"{store.engine.url.render_as_string(hide_password=True)})")
    for name, record in sorted(web_apps.items()):
        click.echo(f"{record.summary}: {base}/{name}/")
    for script in project.scripts:
        title = script.title.render({}, script.default_language)
        click.echo(f"\n{script.id}: {title}")
        if open_links:
            click.echo(f"  open link: {base}/start/{script.id}")
        if test_links:
            languages = script.document.languages
            for respondent in test_respondents(script, project.test_attributes):
                who = ", ".join(filter(None, [*respondent.segments, respondent.role])) or "test"
                for language in languages:  # a link per language the script is written in
                    started = store.start_session(script, respondent, program=script.id,
                                                  channel="web", language=language)
                    shown = f"{who} ({language})" if len(languages) > 1 else who
                    click.echo(f"  {shown}: {base}/r/{started.token}")
    click.echo("\nPress Ctrl+C to stop.")
    config = uvicorn.Config(app, log_level="info", access_log=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has shut down cleanly, then passes Ctrl+C on
        click.echo("Stopped.")
    finally:
        store.close()
