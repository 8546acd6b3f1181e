# pcc in a container: `pcc server` (API, review studio, io/cpu workers), `pcc worker` for gpu or
# cloud queues, `pcc codec-server`. infra/compose/ runs it beside Temporal on PostgreSQL.
#
#   docker build -t pcc .                                   # CPU
#   docker build -t pcc:cuda --build-arg ORT_CUDA=v12 .     # + onnxruntime's CUDA 12 provider
#
# Stage 1 builds (TypeScript, workflow bundle, review studio) with every dependency; stage 2 keeps
# production dependencies only, runs as an unprivileged user, and has Perl for ExifTool.

FROM node:22-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 falls back to a source build on platforms without a prebuilt binary.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json eslint.config.mjs ./
COPY bin ./bin
COPY data ./data
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev
ARG ORT_CUDA=
# onnxruntime-node's own installer fetches the CUDA execution provider only when asked.
RUN if [ -n "$ORT_CUDA" ]; then \
      ONNXRUNTIME_NODE_INSTALL='' ONNXRUNTIME_NODE_INSTALL_CUDA="$ORT_CUDA" node node_modules/onnxruntime-node/script/install.js; \
    fi

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends perl tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin pcc \
 && mkdir -p /data /photos \
 && chown pcc:pcc /data
WORKDIR /opt/pcc
COPY --from=build --chown=root:root /src/package.json ./
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --from=build --chown=root:root /src/bin ./bin
COPY --from=build --chown=root:root /src/data ./data
ENV NODE_ENV=production \
    PCC_DATA_DIR=/data \
    PHOTOS_DIR=/photos \
    PCC_TOOLS_DIR=/data/tools
USER 10001
VOLUME ["/data"]
EXPOSE 3000
# tini forwards SIGTERM so workers drain (Temporal retries whatever a killed one held).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/pcc/bin/pcc.js"]
CMD ["server"]
