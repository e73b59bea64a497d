# BatchOps: the host (API, worker, scheduler: one image, three commands) and the web app.
#   docker compose up            (see docker-compose.yml and docs/operations.md)
#   docker build -t batchops .   then   docker run -p 8000:8000 batchops
#
# Stage 1 installs everything and builds the packages and the web app; stage 2 keeps what
# runs (production dependencies, the built files, the migrations) and pg_dump for backups.

FROM node:24-slim AS build
WORKDIR /app
# npm install rather than npm ci: vite lists a Windows-only optional package that the
# registry does not serve, so it can never be in the lock file and npm ci refuses the lock
# (see .ci/run). Its scripts run after (`npm rebuild`), then one explicit build.
COPY . .
RUN npm install --no-audit --no-fund --ignore-scripts && npm rebuild
# the host's packages, the `batchops` command and the web app (packages/web/dist)
RUN npm run build \
  && test -f packages/server/dist/batchops-cli.js \
  && test -f packages/web/dist/index.html
# only what runs stays
RUN npm prune --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:24-slim AS runtime
# pg_dump and psql: `batchops backup` / `restore` and the daily backup job on Postgres
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    BATCHOPS_DATA_DIR=/data \
    EXPORT_DIR=/exports \
    BATCHOPS_BACKUP_DIR=/backups \
    BATCHOPS_WEB_DIR=/app/packages/web/dist
WORKDIR /app
COPY --from=build /app /app
RUN ln -s /app/packages/server/bin/batchops.js /usr/local/bin/batchops \
  && mkdir -p /data /exports /backups \
  && chown -R node:node /data /exports /backups
# the node image's unprivileged user; the volumes above are its own
USER node
VOLUME ["/data", "/exports", "/backups"]
EXPOSE 8000
# the API answers 503 when the database is down (a worker or scheduler container overrides this)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/api/health/').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"
ENTRYPOINT ["batchops"]
CMD ["serve"]
