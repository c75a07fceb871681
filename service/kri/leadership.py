"""What one service process does for KRIs on each tick, depending on whether it holds the lease.

Every process serves requests; only the holder of the KRI lease (``service.db.lease``) evaluates
KRIs and delivers the outbox, so an alert fires once and is sent once however many workers and
replicas share the database. Each tick, every process:

* takes the lease if it is free, or confirms it still holds it: a follower retries every tick, so
  it takes over at its first tick after the holder died, within one evaluation interval;
* re-reads posted actuals, so actuals posted to any process are in every process's answers within
  one tick (targets are read from the database on each use);
* as holder, evaluates every KRI (after a takeover, first tidying the outbox the way a restart
  does); as follower, refreshes its view of the states the holder stored (``KriEngine.follow``),
  so /v1/kri and the KRI gauges answer alike in every process.

A push reaches the holder's evaluation quickly even when it went to another process: the holder
watches for new observations, actuals and targets (:meth:`Leadership.inputs_changed`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from service.db.kri_store import KriStore
from service.db.lease import Lease
from service.db.planning_store import PlanningStore
from service.kri.engine import KriEngine
from service.telemetry import Metrics

__all__ = ["Accountable", "Leadership"]

log = logging.getLogger(__name__)


class Accountable(Protocol):
    """Forecast accountability's part of a tick (``service.accountability.Accountability``)."""

    def track(self) -> None:
        """Holder only, before each evaluation: score what is unscored, record and resolve targets."""
        ...

    def refresh_gauges(self) -> None:
        """Every process, every tick."""
        ...


class Leadership:
    """The lease and the KRI work it entitles to; its methods block (run them in a thread)."""

    def __init__(
        self,
        lease: Lease,
        engine: KriEngine,
        store: KriStore,
        planning: PlanningStore,
        receivers: Sequence[str],
        metrics: Metrics,
        accountability: Accountable | None = None,
    ) -> None:
        self.lease = lease
        self.engine = engine
        self.store = store
        self.planning = planning
        self.receivers = tuple(receivers)
        self.accountability = accountability
        self._evaluated: tuple[object, ...] | None = None  # the inputs the last evaluation saw
        self._term = 0  # the lease term whose takeover is done
        metrics.kri_leader.set_function(lambda: float(lease.held))  # read at scrape time

    @property
    def held(self) -> bool:
        """Whether this process held the lease at its last look (no database round trip)."""
        return self.lease.held

    def tick(self) -> bool:
        """One tick; True when the outbox may have something new to deliver."""
        held = self.lease.acquire()
        self.planning.refresh()
        if not held:
            self._evaluated = None
            self.engine.follow()
            self._refresh_gauges()
            return False
        new_term = self._term != self.lease.terms
        if new_term:  # just taken (or taken back): someone else may have held it meanwhile
            self._take_over()
            self._term = self.lease.terms
        self._evaluated = self._inputs()
        if self.accountability is not None:
            try:
                self.accountability.track()
            except Exception:  # noqa: BLE001 - scoring must never stop the KRIs; retried next tick
                log.exception("forecast accountability pass failed")
        changed = self.engine.evaluate() > 0 or new_term
        self._refresh_gauges()
        return changed

    def _refresh_gauges(self) -> None:
        if self.accountability is not None:
            try:
                self.accountability.refresh_gauges()
            except Exception:  # noqa: BLE001 - the gauges keep their last values
                log.warning("refreshing the accountability gauges failed", exc_info=True)

    def inputs_changed(self) -> bool:
        """Holder only: whether observations, actuals or targets changed since the last evaluation,
        e.g. pushed to another process (whose own wake-up reaches only itself)."""
        return self.lease.held and self._evaluated is not None and self._inputs() != self._evaluated

    def may_deliver(self) -> bool:
        """Whether this process may deliver now: it holds the lease, confirmed just before sending."""
        return self.lease.held and self.lease.confirm()

    def release(self) -> None:
        self.lease.release()

    def _inputs(self) -> tuple[object, ...]:
        return (self.store.last_observation_id(), *self.planning.change_mark())

    def _take_over(self) -> None:
        """What a restart did before evaluating: forget messages for receivers no longer configured
        (the previous holder may have run an older configuration), and queue every firing alert
        for Alertmanager if it was configured since."""
        dropped = self.store.drop_receivers_except(self.receivers)
        queued = self.engine.resync_alertmanager()
        if dropped or queued:
            log.info("KRI lease taken over: %d message(s) for old receivers dropped, %d queued", dropped, queued)
