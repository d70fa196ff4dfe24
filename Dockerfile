# One image definition for every app: `docker build --build-arg APP=posts -t failsoft/posts .`
# Stage 1 builds the whole monorepo once; stage 2 keeps production dependencies and dist only.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps apps
COPY libs libs
COPY tools tools
COPY bench bench
# What runs in an image: the apps, the libraries less libs/testing and libs/loadgen, the launcher's tools/mesh
# (for `mesh` commands from inside a pod) and the web client. Tests, the chaos tool, the docs
# generator and the bench stay in the build stage.
RUN npm run build && npm prune --omit=dev \
  && rm -rf dist/libs/testing dist/libs/loadgen dist/tools/chaos dist/tools/docs dist/bench

FROM node:20-bookworm-slim AS runtime
ARG APP
ENV NODE_ENV=production APP=${APP}
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
USER node
# The same node flags the launcher uses (libs/runtime/src/runtime-flags.ts).
CMD ["sh", "-c", "exec node --max-semi-space-size=4 --max-old-space-size=128 dist/apps/${APP}/src/main.js"]
