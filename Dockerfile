# OpenLifter Live in a container: the wheel (templates, static files and fonts are package
# data), meets on the /data volume. One container per volume (the data-folder lock).
# Not built by CI (no Docker engine there); the wheel it installs is tested.
FROM python:3.12-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
RUN useradd --system --home /data openlifter && mkdir /data && chown openlifter /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER openlifter
VOLUME /data
EXPOSE 8080
ENV OPENLIFTER_LOG_FORMAT=json
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)"
CMD ["openlifter-server", "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data"]
