# syntax=docker/dockerfile:1
# Build stage: install the project and its dependencies into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY models models
COPY service service
COPY training training
RUN pip install .

# Runtime stage: the virtualenv only, run as an unprivileged user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 sentinel \
    && mkdir -p /var/lib/sentinel \
    && chown sentinel:sentinel /var/lib/sentinel
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SENTINEL_REGISTRY=/var/lib/sentinel/registry \
    SENTINEL_DATABASE_URL=sqlite:////var/lib/sentinel/sentinel.db
USER sentinel
WORKDIR /home/sentinel
VOLUME ["/var/lib/sentinel"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# Train into the volume first, e.g.:
#   docker run -v sentinel:/var/lib/sentinel -v $PWD/data:/data IMAGE sentinel train forecast --data /data/sales.csv
CMD ["sentinel", "serve", "--host", "0.0.0.0", "--port", "8000"]
