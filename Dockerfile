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
USER node
CMD ["node", "--import", "tsx", "main.ts"]
