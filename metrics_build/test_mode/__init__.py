"""Test mode: the loaded logs of one test → metrics, events and exported series → metrics.binproto.

`run.run_test_mode` is the shell (config, sources, writer); everything else is pure computation
over NumPy arrays (`compute`, `kinds`, `reduce`, `events`, `episodes`, `report`).
"""
