# The trainer image: runs one training-pipeline component per container (see shared/ml/pipeline-spec.ts).
# Build from the repository root:  docker build -f docker/trainer.Dockerfile -t TRAINER_IMAGE .
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so code changes do not invalidate this layer. tsx is a runtime dependency.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY tsconfig.json ./
COPY shared ./shared

# Run as the unprivileged user of the base image.
USER node

# The pipeline spec passes `--step validate|train` and the pipeline parameters as flags.
ENTRYPOINT ["node", "--import", "tsx", "shared/composition/trainer.ts"]
