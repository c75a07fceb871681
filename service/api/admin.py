"""Operator actions: reload the champion now instead of at the next poll."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from service.api.schemas import ErrorBody, ReloadResponse
from service.auth import AdminKey

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
    summary="Load the registry's champion now; the old model keeps serving if that fails",
)
async def reload(request: Request, _: AdminKey) -> ReloadResponse:
    store = request.app.state.models
    changed = await asyncio.to_thread(store.reload)
    if changed:
        request.app.state.kri_wake.set()  # model-derived KRIs are re-evaluated on the new model
    return ReloadResponse(changed=changed, versions=store.versions(), error=store.last_error)
