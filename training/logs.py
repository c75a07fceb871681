"""Logging for entry points: our events at INFO, Stan and Prophet quiet unless verbose."""

from __future__ import annotations

import logging

__all__ = ["configure_logging", "quiet_third_party"]


def quiet_third_party(verbose: bool = False, fitting: bool = False) -> None:
    """Silence cmdstanpy/prophet chatter. Call in every process that fits (workers too).

    cmdstanpy installs its own handler (and resets its level) the first time it logs, and
    ``prophet.forecaster`` sets its logger to INFO when first imported: in a process that is
    about to fit (``fitting``), import both first and only then set the levels.
    """
    # Prophet warns per fit about short histories; our rolling origins are short on purpose.
    level = logging.DEBUG if verbose else logging.ERROR
    logging.getLogger("prophet.plot").setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    from cmdstanpy.utils.logging import get_logger

    get_logger()
    if fitting:
        import prophet.forecaster  # noqa: F401
    for name in ("cmdstanpy", "prophet"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for handler in logger.handlers:
            handler.setLevel(level)


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_third_party(verbose)
    # Alembic announces every plugin and migration step, httpx every alert POST, at INFO: the
    # service logs delivery failures and alert transitions itself.
    for name in ("alembic", "httpx"):
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
