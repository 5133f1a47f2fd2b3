#!/bin/sh
# The container's entrypoint (under tini): `run` (the default) serves the page on every interface
# at $HYPERHIVE_PORT (8080), which publishing the port exposes, so it insists on
# $HYPERHIVE_UI_TOKEN, and answers the names in $HYPERHIVE_ALLOWED_HOSTS (comma-separated) besides
# localhost; any other subcommand (wake, send, stats, vacuum, hive, mcp) runs as given.
# State: /state, the harness's default when it is writable.
set -eu
harness=${HIVE_HARNESS_BIN:-/usr/local/bin/hive-harness}
port=${HYPERHIVE_PORT:-8080}
if [ -n "${HOME:-}" ]; then mkdir -p "$HOME" 2>/dev/null || true; fi

case "${1:-run}" in
run | -*)
  if [ "${1:-}" = run ]; then shift; fi
  if [ -z "${HYPERHIVE_UI_TOKEN:-}" ]; then
    echo "hive-entrypoint: HYPERHIVE_UI_TOKEN is required: the page listens on 0.0.0.0:$port for" \
      "the published port (docker run -e HYPERHIVE_UI_TOKEN=<a long random string> ...)" >&2
    exit 2
  fi
  # The page answers only the names it is reached by (SPEC §12): the host's, from outside.
  for name in $(printf '%s' "${HYPERHIVE_ALLOWED_HOSTS:-}" | tr ',' ' '); do
    set -- --allowed-host "$name" "$@"
  done
  exec "$harness" run --host 0.0.0.0 --port "$port" "$@"
  ;;
*)
  exec "$harness" "$@"
  ;;
esac
