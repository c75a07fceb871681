"""The service's background loops stop when cancelled, so shutdown never waits for ever."""

import asyncio

import pytest

from service.app import _woken_or_timed_out


def test_a_cancellation_that_arrives_as_the_loop_is_woken_is_not_lost():
    async def scenario() -> None:
        wake = asyncio.Event()
        waiting = asyncio.create_task(_woken_or_timed_out(wake, 60.0))
        await asyncio.sleep(0)  # the task is now waiting for the event
        wake.set()  # ... which fires ...
        waiting.cancel()  # ... in the same tick as shutdown cancels the loop
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(scenario())


def test_the_wait_ends_when_woken_and_clears_the_event():
    async def scenario() -> bool:
        wake = asyncio.Event()
        waiting = asyncio.create_task(_woken_or_timed_out(wake, 60.0))
        await asyncio.sleep(0)
        wake.set()
        await waiting
        return wake.is_set()

    assert asyncio.run(scenario()) is False
