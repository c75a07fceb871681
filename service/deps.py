"""Dependencies shared by routes, as ``Annotated`` aliases so signatures read like prose."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from models.feasibility import VerdictCutoffs
from models.forecast_model import ForecastModel
from service.state import ModelStore

__all__ = ["Cutoffs", "Forecasts", "Store"]


def _store(request: Request) -> ModelStore:
    return request.app.state.models


def _forecast(request: Request) -> ForecastModel:
    return request.app.state.models.require_forecast()


def _cutoffs(request: Request) -> VerdictCutoffs:
    return request.app.state.cutoffs


Store = Annotated[ModelStore, Depends(_store)]
Forecasts = Annotated[ForecastModel, Depends(_forecast)]
Cutoffs = Annotated[VerdictCutoffs, Depends(_cutoffs)]
