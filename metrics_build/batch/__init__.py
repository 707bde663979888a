"""Batch mode: fetch every test's metrics of a batch through the platform API, then aggregate them.

`settings` reads batch_metrics_config.json, `client` talks HTTP, `fetch` downloads and unpacks a whole
batch into `model.FetchedBatch`, `run` glues fetching, aggregation and the writer together.
"""
