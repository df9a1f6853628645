# The effect-memberlist agent as a container image.
#
#   docker build -t effect-memberlist:0.1.0 .
#   docker run --rm --network host effect-memberlist:0.1.0 --json --bind 127.0.0.1:7946
#
# Stage 1 builds the library and the CLI from this workspace; stage 2 installs
# only what the agent needs at run time; the last stage holds the two.

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/cli/package.json packages/cli/
# --ignore-scripts: the root's `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY packages/cli/tsconfig.json packages/cli/tsconfig.build.json packages/cli/
COPY packages/cli/src packages/cli/src
RUN npm run build:cli

FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/cli/package.json packages/cli/
# The CLI's dependencies and the library's required peers, no dev tools.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
# node_modules/effect-memberlist and node_modules/effect-memberlist-cli are
# workspace links to /app and /app/packages/cli: the layout below keeps them whole.
COPY --from=deps /app/node_modules node_modules
COPY --from=deps /app/package.json ./
COPY --from=build /src/dist dist
COPY --from=deps /app/packages/cli/package.json packages/cli/
COPY --from=build /src/packages/cli/dist packages/cli/dist
# The image's unprivileged user (uid 1000), as the manifests' runAsUser.
USER node
# Gossip (UDP and TCP) and the agent's HTTP endpoints (--http).
EXPOSE 7946/udp 7946/tcp 8080/tcp
# Exec form: node is PID 1 and gets SIGTERM itself, so the agent leaves the
# cluster before the container stops.
ENTRYPOINT ["node", "/app/packages/cli/dist/main.js", "agent"]
CMD ["--json", "--http", "0.0.0.0:8080"]
