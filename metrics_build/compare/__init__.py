"""Compare a candidate batch against a baseline: tests matched by name, paired statistics from SciPy
(bootstrap interval, Cohen's d_z, McNemar, Wilson) and a verdict per metric (`docs/compare.md`)."""
