"""The HTML view: any JobMetrics file (test, batch or report output, ours or ReSim-written) as one
self-contained page that works offline, and a batch of test outputs as linked pages.

Needs the `view` extra (Jinja2, markdown-it-py, plotly for plotly.js). Entry points:
`report.view_files` (the `view` command) and `batch.render_test_outputs` (local-batch, other modes).
"""
