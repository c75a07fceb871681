"""The web app's pages: ``/`` redirects to ``/app/``; every page is a shell that its script fills.

Pages carry no data of their own: each script reads the JSON API with the planner's key when
reads need one (``SENTINEL_REQUIRE_AUTH_FOR_READS``), so a page shows nothing the API would
refuse. Plotly's bundle is served from the installed ``plotly`` package, so the app works on a
network without internet access.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from models.errors import NotFound
from service.deps import Config

__all__ = ["router", "static_files"]

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
_RESERVED = {"total", "period", "start", "end", "target"}  # query keys of the group page that are not columns


@cache
def _plotly_bundle() -> Path:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise NotFound(f"plotly.min.js not found in the installed plotly package ({path}): reinstall plotly")
    return path


@cache
def _plotly_gzipped() -> bytes:
    # 4.8 MB as shipped, about 1.4 MB compressed: compressed once per process, on first request.
    return gzip.compress(_plotly_bundle().read_bytes(), compresslevel=6)


def static_files() -> StaticFiles:
    return StaticFiles(directory=HERE / "static")


def _page(request: Request, template: str, settings: Any, title: str, **context: Any) -> HTMLResponse:
    page = {
        "fiscalYearStartMonth": settings.fiscal_year_start_month,
        "authForReads": settings.require_auth_for_reads,
        **context.pop("page", {}),
    }
    # JSON inside <script>: with <, > and & escaped no URL value can end the element or open markup.
    page_json = json.dumps(page).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    values = {"title": title, "page_json": page_json, **context}
    return templates.TemplateResponse(request, template, values, headers={"Cache-Control": "no-store"})


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.get("/app")
async def app_without_slash() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.get("/app/vendor/plotly.min.js")
def plotly_js(request: Request) -> Response:
    headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(_plotly_gzipped(), media_type="text/javascript", headers=headers)
    return FileResponse(_plotly_bundle(), media_type="text/javascript", headers=headers)


@router.get("/app/", response_class=HTMLResponse)
async def overview(request: Request, settings: Config) -> HTMLResponse:
    return _page(request, "overview.html", settings, "Overview", nav="overview")


@router.get("/app/series/{series_id}", response_class=HTMLResponse)
async def series_page(request: Request, series_id: str, settings: Config) -> HTMLResponse:
    subject = {"series_id": series_id}
    return _page(request, "subject.html", settings, f"Series {series_id}", nav="series", page={"subject": subject})


@router.get("/app/group", response_class=HTMLResponse)
async def group_page(request: Request, settings: Config) -> HTMLResponse:
    query = request.query_params
    if query.get("total") in ("1", "true", "yes"):
        subject: dict[str, Any] = {"total": True}
        title = "All series"
    else:
        group = {k: v for k, v in query.items() if k not in _RESERVED}
        subject = {"group": group}
        title = "Group " + (", ".join(f"{k}={v}" for k, v in group.items()) or "(all series)")
    return _page(request, "subject.html", settings, title, nav="series", page={"subject": subject})


@router.get("/app/decompose", response_class=HTMLResponse)
async def decompose_page(request: Request, settings: Config) -> HTMLResponse:
    return _page(request, "decompose.html", settings, "Split a target", nav="decompose")


@router.get("/app/churn", response_class=HTMLResponse)
async def churn_page(request: Request, settings: Config) -> HTMLResponse:
    return _page(request, "churn.html", settings, "Churn and revenue at risk", nav="churn")


@router.get("/app/monitoring", response_class=HTMLResponse)
async def monitoring_page(request: Request, settings: Config) -> HTMLResponse:
    return _page(request, "monitoring.html", settings, "Forecast accountability", nav="monitoring")


@router.get("/app/kri", response_class=HTMLResponse)
async def kri_page(request: Request, settings: Config) -> HTMLResponse:
    return _page(request, "kri.html", settings, "Key risk indicators", nav="kri")
