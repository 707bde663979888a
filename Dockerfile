# metrics-build: a ReSim metrics build. Build with scripts/build_image.sh (also works without a
# registry), or plainly: `docker build -t metrics-build .` (then pip fetches from PyPI inside the build).
#
# Run as the platform does:
#   docker run --rm -v "$PWD/inputs:/tmp/resim/inputs:ro" -v "$PWD/outputs:/tmp/resim/outputs" metrics-build
ARG BASE_IMAGE=python:3.11-slim
# Optional dependencies, e.g. "compare" (SciPy: `[batch.baseline]` and `compare`, ~110 MB) or "compare,dask".
ARG EXTRAS=""

# --- builder: a virtualenv with the package and its dependencies, installed from wheels -------------
FROM ${BASE_IMAGE} AS builder
ARG EXTRAS
# The classic builder leaves this stage as an untagged image; the label lets the build script remove it.
LABEL org.metrics-build.stage=builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# container/wheelhouse/ is empty (but for a .gitignore) unless scripts/build_image.sh filled it.
COPY container/wheelhouse/ /wheels/
COPY pyproject.toml README.md* LICENSE* /src/
COPY metrics_build/ /src/metrics_build/
RUN python3 -m venv /opt/metrics-build \
 && if ls /wheels/*.whl >/dev/null 2>&1; then \
      /opt/metrics-build/bin/pip install --no-index --find-links /wheels "metrics-build${EXTRAS:+[$EXTRAS]}"; \
    else \
      /opt/metrics-build/bin/pip install "/src${EXTRAS:+[$EXTRAS]}"; \
    fi \
 && /opt/metrics-build/bin/pip uninstall --yes pip setuptools \
 && site=$(/opt/metrics-build/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
 # Not needed at run time: NumPy's (and SciPy's) own test suites (17 MB) and zstandard's CFFI backend (12 MB, unusable
 # without the cffi package, which is not installed; zstandard uses its C backend).
 && for pkg in numpy scipy; do [ ! -d "$site/$pkg" ] || find "$site/$pkg" -type d -name tests -prune -exec rm -rf {} +; done \
 && rm -f "$site"/zstandard/_cffi.*.so \
 && /opt/metrics-build/bin/metrics-build --version \
 && /opt/metrics-build/bin/python -c 'import numpy, zstandard; print("numpy", numpy.__version__, "zstandard", zstandard.backend)'


# --- runtime: the base, a non-root user, the virtualenv; no compilers, pip, caches or test deps -----
FROM ${BASE_IMAGE} AS runtime
ARG BASE_IMAGE
ARG UID=10001
# /tmp/resim/{inputs,outputs} exist so that nothing outside the output mount changes at run time;
# /etc/metrics-build is where images built FROM this one put metrics.toml (see its README).
RUN groupadd --system --gid "${UID}" metrics \
 && useradd --system --uid "${UID}" --gid metrics --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin metrics \
 && mkdir -p /tmp/resim/inputs /tmp/resim/outputs /etc/metrics-build \
 && chown metrics:metrics /tmp/resim/outputs
COPY container/etc/README /etc/metrics-build/README
COPY --from=builder /opt/metrics-build /opt/metrics-build
ENV PATH=/opt/metrics-build/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8
LABEL org.opencontainers.image.title="metrics-build" \
      org.opencontainers.image.description="ReSim metrics build: test mode and batch mode, one image" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
USER metrics
WORKDIR /tmp/resim
# No arguments: `metrics-build run` on /tmp/resim/inputs -> /tmp/resim/outputs (the platform's paths).
ENTRYPOINT ["metrics-build"]
