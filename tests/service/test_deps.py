"""The app's wiring: one typed Services object on app.state, and a KRI wake-up that works from any thread."""

import asyncio
import threading
import time

from service.app import create_app
from service.deps import KriWake, Services, services_of
from service.settings import Settings


def test_app_state_holds_one_typed_services_object(tmp_path):
    app = create_app(Settings(registry=tmp_path, reload_interval_seconds=0, database_url=f"sqlite:///{tmp_path}/db"))
    assert set(vars(app.state)["_state"]) == {"services"}
    services = services_of(app)
    assert isinstance(services, Services) and services.kri_engine.store is services.kri_store


def test_a_wake_from_a_worker_thread_reaches_an_idle_loop_at_once():
    # A sync route (the thread pool) sets it while the loop sleeps in select(): a plain
    # asyncio.Event.set() there would go unnoticed until the loop's next timer.
    async def scenario() -> float:
        wake = KriWake()
        event = wake.bind()
        threading.Timer(0.05, wake.set).start()
        started = time.monotonic()
        await asyncio.wait_for(event.wait(), timeout=5)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1.0


def test_each_lifespan_binds_a_fresh_event_to_its_own_loop():
    wake = KriWake()

    async def one_lifespan() -> None:
        event = wake.bind()
        waiting = asyncio.create_task(event.wait())
        await asyncio.sleep(0)
        wake.set()
        await asyncio.wait_for(waiting, timeout=1)

    for _ in range(2):  # an Event reused across loops raises "bound to a different event loop"
        asyncio.run(one_lifespan())
