# repeater as a container: a Debian build stage, then a slim runtime stage with only the
# runtime libraries of packaging/runtime-packages.txt, running as uid 1000.
#   docker build -t repeater .
# (after a Debian security update of curl: docker build --no-cache, so libcurl is rebuilt from
# the current source; see docs/operations.md#libcurl)
#   docker run -e REPEATER_TOKEN=... -e REPEATER_ID=... repeater
FROM debian:bookworm AS build
COPY packaging/build-packages.txt /tmp/build-packages.txt
RUN apt-get update \
 && grep -E '^[a-z0-9]' /tmp/build-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/build-packages.txt
WORKDIR /src
COPY . .
# libcurl for HTTP and HTTPS only, from Debian's current curl source (scripts/build-curl.sh)
RUN RP_DEPS_DIR=/deps bash scripts/build-curl.sh --update \
 && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DRP_BUILD_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr -DRP_CURL_PREFIX=/deps/curl \
 && cmake --build /build -j"$(nproc)" \
 && cmake --install /build --prefix /usr --strip

FROM debian:bookworm-slim AS runtime
COPY packaging/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && grep -E '^[a-z0-9]' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 1000 repeater \
 && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin repeater
COPY --from=build /usr/bin/repeater /usr/bin/repeater
# Configuration by environment (REPEATER_TOKEN, REPEATER_ID, REPEATER_HOSTNAME, ...); the
# health endpoint is on so orchestrators can probe it.
ENV REPEATER_HEALTH_LISTEN=0.0.0.0:8080 \
    REPEATER_LOG_FORMAT=json
EXPOSE 8080
USER 1000:1000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["repeater", "health"]
ENTRYPOINT ["repeater"]
