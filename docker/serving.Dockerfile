# The serving image: a Vertex AI custom prediction container (shared/composition/serving.ts).
# Vertex sets AIP_HTTP_PORT, AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE and AIP_STORAGE_URI; the uploader
# (shared/adapters/gcp/vertex.model-serving.ts) sets IPO_MODEL_ID, IPO_MODEL_VERSION and GCP_PROJECT.
# Every option: docs/serving.md. Build from the repository root:
#   docker build -f docker/serving.Dockerfile -t SERVING_IMAGE .

# Stage 1: compile TypeScript to dist/ (needs the dev dependencies for tsc).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY shared ./shared
COPY functions ./functions
RUN npx tsc -p tsconfig.build.json

# Stage 2: the runtime: production dependencies and the compiled JavaScript only.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
# Native install scripts are skipped: the container loads no native module (TensorFlow.js runs on wasm).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist

# Vertex AI overrides the port through AIP_HTTP_PORT; this is the default it uses.
ENV AIP_HTTP_PORT=8080
EXPOSE 8080

# Run as the unprivileged user of the base image.
USER node

# SIGTERM (sent by Vertex AI on scale-down or undeploy) flushes the buffered prediction log before exit.
CMD ["node", "dist/shared/composition/serving.js"]
