"""The shared core of sales-sentinel: contracts, validation, forecaster, feasibility, registry.

Nothing here knows about HTTP, the environment or the command line.
"""
