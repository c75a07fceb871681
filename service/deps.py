"""Dependencies shared by routes, as ``Annotated`` aliases so signatures read like prose.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in the thread pool,
and those hops cost more than the feasibility computation itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from models.forecast.model import ForecastModel
from models.planning.feasibility import VerdictCutoffs
from service.model_store import ModelStore

__all__ = ["Cutoffs", "Forecasts", "Store"]


async def _store(request: Request) -> ModelStore:
    return request.app.state.models


async def _forecast(request: Request) -> ForecastModel:
    return request.app.state.models.require_forecast()


async def _cutoffs(request: Request) -> VerdictCutoffs:
    return request.app.state.cutoffs


Store = Annotated[ModelStore, Depends(_store)]
Forecasts = Annotated[ForecastModel, Depends(_forecast)]
Cutoffs = Annotated[VerdictCutoffs, Depends(_cutoffs)]
