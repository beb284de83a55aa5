# syntax=docker/dockerfile:1
# koodrive-backup as a container image; how to run it: docs/docker.md.
#
# Stage "build" packs the npm tarball: dist/ plus a prebuilt native SHA-256 addon for the image's
# platform (prebuildify runs at pack time). Stage "runtime" installs that tarball on a slim base
# with no compiler, exactly as docs/install.md says and test/integration/ship-package.test.ts
# checks, so the image hashes with the native engine.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm AS build
# The full image has python3, make and g++ for node-gyp, and Node's headers in /usr/local/include.
WORKDIR /src
COPY package.json package-lock.json ./
# Dependencies only; the addon is built once, by prepack, below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# (test/integration/ship-package.test.ts runs this very line in a copy of the source.)
RUN mkdir -p pkg \
 && npm pack --pack-destination pkg \
 && mv pkg/koodrive-backup-*.tgz pkg/koodrive-backup.tgz

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    NO_UPDATE_NOTIFIER=1 \
    KOODRIVE_STATE_DIR=/var/lib/koodrive-backup
COPY --from=build /src/pkg/koodrive-backup.tgz /tmp/koodrive-backup.tgz
RUN npm install --global --no-audit --no-fund /tmp/koodrive-backup.tgz \
 && rm /tmp/koodrive-backup.tgz \
 && npm cache clean --force \
 && mkdir -p /var/lib/koodrive-backup /data \
 && chown 1000:1000 /var/lib/koodrive-backup
# The base image's "node" user, by number so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# Journal, device id and lock notes: keep them between runs so runs stay incremental.
VOLUME ["/var/lib/koodrive-backup"]
# Mount what to back up here (read-only is enough): `upload /data`.
WORKDIR /data
ENTRYPOINT ["koodrive-backup"]
CMD ["--help"]
