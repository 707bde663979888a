# metrics-build: a ReSim metrics build. Build with scripts/build_image.sh (also works without a
# registry), or plainly: `docker build -t metrics-build .` (then pip fetches from PyPI inside the build).
#
# Run as the platform does:
#   docker run --rm -v "$PWD/inputs:/tmp/resim/inputs:ro" -v "$PWD/outputs:/tmp/resim/outputs" metrics-build
ARG BASE_IMAGE=python:3.11-slim

# --- builder: a virtualenv with the package and its dependencies, installed from wheels -------------
FROM ${BASE_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# container/wheelhouse/ is empty (but for a .gitignore) unless scripts/build_image.sh filled it.
COPY container/wheelhouse/ /wheels/
COPY pyproject.toml README.md* LICENSE* /src/
COPY metrics_build/ /src/metrics_build/
RUN python3 -m venv /opt/metrics-build \
 && if ls /wheels/*.whl >/dev/null 2>&1; then \
      /opt/metrics-build/bin/pip install --no-index --find-links /wheels metrics-build; \
    else \
      /opt/metrics-build/bin/pip install /src; \
    fi \
 && /opt/metrics-build/bin/pip uninstall --yes pip setuptools \
 && /opt/metrics-build/bin/metrics-build --version

# --- runtime: the base, a non-root user, the virtualenv; no compilers, pip, caches or test deps -----
FROM ${BASE_IMAGE} AS runtime
ARG UID=10001
# /tmp/resim/{inputs,outputs} exist so that nothing outside the output mount changes at run time;
# /etc/metrics-build is where images built FROM this one put metrics.toml (see its README).
RUN useradd --system --uid "${UID}" --user-group --no-create-home --home-dir /nonexistent \
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
      org.opencontainers.image.licenses="MIT"
USER metrics
WORKDIR /tmp/resim
# No arguments: `metrics-build run` on /tmp/resim/inputs -> /tmp/resim/outputs (the platform's paths).
ENTRYPOINT ["metrics-build"]
