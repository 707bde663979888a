"""`metrics-build local-batch`: test mode over many test directories, then batch mode, resumably."""

from metrics_build.local_batch.run import Settings, local_batch

__all__ = ["Settings", "local_batch"]
