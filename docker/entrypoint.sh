#!/bin/sh
# The image's entry step: turns ENABLE_DEBUGGING=true (alias ENABLE_REMOTE_DEBUGGING, read the way src/config.ts
# reads it) into the Functions host's Node worker flag --inspect=0.0.0.0:9229, then execs the base image's start
# command, so the host stays PID 1 and receives docker stop's SIGTERM.
set -eu

debugging="${ENABLE_DEBUGGING:-}"
name=ENABLE_DEBUGGING
if [ -z "$(printf '%s' "$debugging" | tr -d '[:space:]')" ]; then
  debugging="${ENABLE_REMOTE_DEBUGGING:-}"
  name=ENABLE_REMOTE_DEBUGGING
fi

case "$(printf '%s' "$debugging" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" in
  true | 1 | yes | on)
    # Appended, so worker arguments the operator set (e.g. --max-old-space-size) are kept.
    languageWorkers__node__arguments="${languageWorkers__node__arguments:+$languageWorkers__node__arguments }--inspect=0.0.0.0:9229"
    export languageWorkers__node__arguments
    echo "funcspace: $name is on, the Node worker listens for a debugger on port 9229"
    ;;
  false | 0 | no | off | "") ;;
  *)
    echo "funcspace: $name=\"$debugging\" must be true or false" >&2
    exit 64
    ;;
esac

exec "$@"
