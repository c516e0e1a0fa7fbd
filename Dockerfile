# kingly worker / API image: `docker compose up` (see docker-compose.yml) or
# `docker run -e KINGLY_REDIS_URL=redis://host:6379 kingly worker`.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git procps ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/kingly
COPY . .
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev
ENV KINGLY_HOME=/var/lib/kingly
# A worker is healthy while its heartbeat (every 2 s, lives 6 s) is in Redis; the API service
# overrides this with its /healthz (docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=10s --start-period=20s --retries=3 CMD ["node", "/opt/kingly/scripts/container-health.mjs"]
ENTRYPOINT ["node", "/opt/kingly/apps/cli/bin/kingly.js"]
CMD ["worker"]
