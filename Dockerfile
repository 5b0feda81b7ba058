# Multi-stage build: compile on Debian bookworm with the same packages as scripts/setup.sh, then copy the two
# binaries and their shared libraries into a small runtime image that runs as nobody.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN apt-get update && ./scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKMA_BUILD_TESTS=OFF -DKMA_BUILD_BENCH=OFF \
 && cmake --build /build --target metrics-server autoscaler certs_cli \
 && mkdir -p /out/bin /out/lib \
 && cp /build/metrics-server/metrics-server /build/autoscaler/autoscaler /build/certs/certs /out/bin/ \
 && for b in /out/bin/*; do ldd "$b" | awk '/=> \//{print $3}'; done | sort -u | xargs -I{} cp -L {} /out/lib/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/lib/ /usr/local/lib/kma/
COPY --from=build /out/bin/ /usr/local/bin/
ENV LD_LIBRARY_PATH=/usr/local/lib/kma
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/metrics-server"]
