"""A host application (FastAPI) with the dialogkit web form mounted at /survey.

The host has pages of its own and knows who is logged in. Its /feedback route starts a
check-in for that customer and sends the browser to the respondent's link, which the host
builds with its own URL generation (`request.url_for("survey:resume", ...)`).

    uvicorn --factory --app-dir examples/embed_fastapi app:main

See README.md beside this file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from dialogkit.engine import Respondent
from dialogkit.loader import load_script
from dialogkit.script import Script
from dialogkit.store import Store, open_store
from dialogkit_web_form import create_app

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "nps_checkin" / "script.yaml"
PROGRAM = "in-app-checkin"


def current_customer() -> Respondent:
    """The logged-in customer. A pretend one here; a real host reads its own login."""
    return Respondent(id="cust-1042", attributes={"first_name": "Ines", "plan": "team"})


def create_host_app(store: Store, script: Script, *, secret_key: str | None = None,
                    https_only: bool = False) -> FastAPI:
    """The host application: its own pages, and the web form under /survey."""
    app = FastAPI(title="Ledgerly")
    app.mount("/survey", create_app(store, secret_key=secret_key, https_only=https_only),
              name="survey")

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return ("<!doctype html><title>Ledgerly</title><h1>Your ledgers</h1>"
                '<p><a href="/feedback">Tell us how Ledgerly works for you</a></p>')

    @app.get("/feedback")
    def feedback(request: Request,
                 customer: Annotated[Respondent, Depends(current_customer)]
                 ) -> RedirectResponse:
        started = store.start_session(script, customer, program=PROGRAM, channel="web")
        link = request.url_for("survey:resume", token=started.token)
        return RedirectResponse(str(link), status_code=303)

    return app


def main() -> FastAPI:
    """The app for uvicorn: the store and the secret key come from the environment, or an
    SQLite file in this folder and a key per process."""
    store = open_store(project_dir=HERE)
    return create_host_app(store, load_script(SCRIPT),
                           secret_key=os.environ.get("DIALOGKIT_SECRET_KEY"))
