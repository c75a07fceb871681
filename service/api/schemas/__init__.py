"""Request and response bodies of the public API, one module per router (``common`` for the shared ones).

Routes import from the module of their resource; this face names every body for readers and tools.
"""

from service.api.schemas.actuals import ActualIn, ActualsBatch, ActualsStored
from service.api.schemas.admin import ReloadResponse
from service.api.schemas.alerts import Alert, AlertReceiver, AlertStatus
from service.api.schemas.churn import (
    MAX_CUSTOMERS,
    ChurnScoreRequest,
    ChurnScoreResponse,
    ChurnSummaryResponse,
    CustomerScore,
    Driver,
    SegmentSummary,
)
from service.api.schemas.common import ErrorBody, PeriodFields, Subject, SubjectFields
from service.api.schemas.fan import Band, FanActual, FanBands, FanPoint, FanRequest, FanResponse, FanValue
from service.api.schemas.feasibility import (
    Assessment,
    CurvePoint,
    CurveRequest,
    FeasibilityRequest,
    FeasibilityResponse,
)
from service.api.schemas.forecast import ForecastPoint, ForecastResponse
from service.api.schemas.health import Health, Readiness
from service.api.schemas.kri import (
    KriClear,
    KriFor,
    KriList,
    KriOut,
    KriValue,
    ObservationBatch,
    ObservationIn,
    ObservationsStored,
)
from service.api.schemas.models import ChurnServed, ForecastServed, ServedModels
from service.api.schemas.series import GroupList, GroupValue, SeriesDetail, SeriesList, SeriesOut
from service.api.schemas.targets import (
    DecomposedPart,
    DecomposeRequest,
    DecomposeResponse,
    DecomposeTotal,
    RegisteredTarget,
    TargetIn,
    TargetList,
    TargetStanding,
    TargetStatus,
    TargetUnassessed,
)

__all__ = [
    "MAX_CUSTOMERS",
    "ActualIn",
    "ActualsBatch",
    "ActualsStored",
    "Alert",
    "AlertReceiver",
    "AlertStatus",
    "Assessment",
    "Band",
    "ChurnScoreRequest",
    "ChurnScoreResponse",
    "ChurnServed",
    "ChurnSummaryResponse",
    "CurvePoint",
    "CurveRequest",
    "CustomerScore",
    "DecomposeRequest",
    "DecomposeResponse",
    "DecomposeTotal",
    "DecomposedPart",
    "Driver",
    "ErrorBody",
    "FanActual",
    "FanBands",
    "FanPoint",
    "FanRequest",
    "FanResponse",
    "FanValue",
    "FeasibilityRequest",
    "FeasibilityResponse",
    "ForecastPoint",
    "ForecastResponse",
    "ForecastServed",
    "GroupList",
    "GroupValue",
    "Health",
    "KriClear",
    "KriFor",
    "KriList",
    "KriOut",
    "KriValue",
    "ObservationBatch",
    "ObservationIn",
    "ObservationsStored",
    "PeriodFields",
    "Readiness",
    "RegisteredTarget",
    "ReloadResponse",
    "SegmentSummary",
    "SeriesDetail",
    "SeriesList",
    "SeriesOut",
    "ServedModels",
    "Subject",
    "SubjectFields",
    "TargetIn",
    "TargetList",
    "TargetStanding",
    "TargetStatus",
    "TargetUnassessed",
]
