# One image for every service; docker-compose.yml picks the entry per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY shared ./shared
COPY broker ./broker
COPY ingest ./ingest
COPY dashboard ./dashboard
COPY firmware-sim ./firmware-sim
COPY main.ts create-system.ts tsconfig.json ./
# Each service runs bundled (dist/<service>/main.mjs) under plain node: tsx's loader thread would
# cost about 30 MiB per process (shared/service-bundles.ts).
RUN npm run build
# A named volume mounted here takes this folder's owner; without it the volume is root's and the
# dashboard (USER node) cannot write registry.json.
RUN mkdir -p /data && chown node:node /data
USER node
CMD ["node", "dist/main.mjs"]
