# kingly worker / API image: `docker compose up` (see docker-compose.yml) or
# `docker run -e KINGLY_REDIS_URL=redis://host:6379 kingly worker`.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git procps ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/kingly
COPY . .
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev
ENV KINGLY_HOME=/var/lib/kingly
ENTRYPOINT ["node", "/opt/kingly/apps/cli/bin/kingly.js"]
CMD ["worker"]
