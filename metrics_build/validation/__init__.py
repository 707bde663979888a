"""The rules behind `metrics_build.validate`: one module per part of a JobMetrics message.

Import the public API from `metrics_build.validate`; these modules are its implementation.
"""
