"""Operator actions: reload the champion now instead of at the next poll."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from service.api.schemas.admin import ReloadResponse
from service.auth import AdminKey
from service.deps import Store, Wake

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/reload",
    response_model=ReloadResponse,
    summary="Load the registry's champion now; the old model keeps serving if that fails",
)
async def reload(_: AdminKey, store: Store, wake: Wake) -> ReloadResponse:
    changed = await asyncio.to_thread(store.reload)
    if changed:
        wake.set()  # model-derived KRIs are re-evaluated on the new model
    return ReloadResponse(changed=changed, versions=store.versions(), error=store.last_error)
