# One image for the five Loom services; the command picks the service:
#   docker run loom node dist/gateway.js      (or scheduler, executor, status-sync, settlement)
# Built from the repository root: docker build -t loom .   (docker compose does this for you)
ARG NODE_IMAGE=node:24-slim

# 1. The manifests alone (every package.json and the lock), so the dependency layers below are
#    rebuilt only when a dependency changes, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -mindepth 1 -type d -empty -delete

# 2. Build: all dependencies (esbuild is a dev dependency), then bundle each service's entry into
#    dist/<service>.js. Our libs are bundled in; npm packages stay external (scripts/build.ts).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY --from=manifests /src ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build

# 3. Production dependencies of the five services only: no dev tools, no test servers.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY --from=manifests /src ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
      -w @loom/gateway -w @loom/scheduler -w @loom/executor -w @loom/status-sync -w @loom/settlement \
 && npm cache clean --force

# 4. Runtime: node, the bundles, their dependencies and the configuration files; owned by root
#    and run as the unprivileged `node` user, so the process cannot change its own code.
FROM ${NODE_IMAGE} AS runtime
# The bundles live in dist/, where the libs' "<repo>/config/..." defaults would miss: name the files.
ENV NODE_ENV=production \
    LOOM_TASK_TYPES_FILE=/app/config/task-types.json \
    LOOM_PROVIDERS_FILE=/app/config/providers.json \
    GATEWAY_PORT=8080 \
    HEALTH_PORT=8081
WORKDIR /app
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY config ./config
USER node
# 8080: the gateway's API; 8081: the health endpoints of the other services.
EXPOSE 8080 8081
# Health checks live with the orchestrator (docker-compose.yml, k8s/): the port differs by service.
CMD ["node", "--enable-source-maps", "dist/gateway.js"]
