# syntax=docker/dockerfile:1
# Steward daemon image. Build: docker build -t steward .   Run: see compose.yaml and README "Running on a server".

# --- build: install from the lockfile, compile, then drop the dev dependencies -------------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /opt/steward
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build runs explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY plugins ./plugins
# The Sisense simulator is compiled beside the daemon (`steward sandbox`); the rest of test/ is not in the context.
COPY test/sisense-sim ./test/sisense-sim
COPY schemas ./schemas
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: the compiled daemon, production dependencies, contracts and shipped playbooks; no compiler, no npm cache
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/steward
COPY --from=build /opt/steward/package.json ./package.json
COPY --from=build /opt/steward/node_modules ./node_modules
COPY --from=build /opt/steward/dist ./dist
COPY plugins ./plugins
COPY schemas ./schemas
COPY playbooks ./playbooks
COPY registry ./registry
COPY LICENSE README.md ./
# The daemon's working directory: steward.yaml (mounted read-only), playbooks/ of your own, and .steward/ (embedded
# store, admin token, locks) on a volume. The program files above stay root-owned and read-only for the daemon.
RUN mkdir -p /srv/steward/.steward && chown -R node:node /srv/steward
WORKDIR /srv/steward
VOLUME ["/srv/steward/.steward"]
USER node
EXPOSE 8080
# Liveness without a token (/health is the only open route). node:22-slim has no curl: Node's fetch does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/steward/dist/src/main.js"]
# Loopback only, as outside a container (server.host defaults to 127.0.0.1): the port is reachable from other
# containers or the host only when you say so, with `serve --host 0.0.0.0` (compose.yaml does) or server.host.
CMD ["serve"]
