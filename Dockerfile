# TraderAgent as a headless daemon: the engine, its REST + WebSocket API on port 8080, and
# Telegram when the config enables it. Everything it needs (the bundled candles too) is in the
# image: nothing is downloaded at run time.
#
#   docker build -t traderagent .
#   docker run -d -p 127.0.0.1:8080:8080 -v traderagent-data:/data traderagent
#   docker compose up -d        # with PostgreSQL: see docker-compose.yml and .env.example

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/traderagent
WORKDIR /src
COPY pyproject.toml README.md ./
COPY traderagent ./traderagent
COPY strategies ./strategies
COPY storage ./storage
COPY tui ./tui
COPY benchmarks ./benchmarks
RUN /opt/traderagent/bin/pip install .
# configs/default.yaml links to the packaged default: copy what the links point to
COPY configs ./configs
RUN mkdir -p /etc/traderagent && cp -L configs/*.yaml /etc/traderagent/

FROM python:3.11-slim
ENV PATH=/opt/traderagent/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TRADERAGENT_DATA_DIR=/data \
    TRADERAGENT_CONFIG_DIR=/data/config \
    NUMBA_CACHE_DIR=/data/cache/numba
RUN groupadd --gid 10001 traderagent \
 && useradd --uid 10001 --gid traderagent --no-create-home --home-dir /data \
      --shell /usr/sbin/nologin traderagent \
 && mkdir -p /data/config /data/cache \
 && chown -R traderagent:traderagent /data \
 && chmod 700 /data/config
COPY --from=build /opt/traderagent /opt/traderagent
# the example configs (`--config /etc/traderagent/trend.yaml`); the default is the bundled one
COPY --from=build /etc/traderagent /etc/traderagent
USER traderagent
WORKDIR /data
# the database (SQLite when no PostgreSQL URL is given), the API token, the encryption key file
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status != 200)"]
ENTRYPOINT ["traderagent"]
CMD ["run", "--headless", "--api-host", "0.0.0.0"]
