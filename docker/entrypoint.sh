#!/bin/sh
# The image's entry step: checks ENABLE_DEBUGGING (alias ENABLE_REMOTE_DEBUGGING, read the way src/config.ts
# reads it), then execs the base image's start command. Workflow code runs in the runner process, which opens the
# inspector on 0.0.0.0:9229 itself (src/runner/); only with WORKFLOW_RUNNER=in-process, where the Functions host's
# Node worker runs the workflows, does it become that worker's flag --inspect=0.0.0.0:9229.
set -eu

debugging="${ENABLE_DEBUGGING:-}"
name=ENABLE_DEBUGGING
if [ -z "$(printf '%s' "$debugging" | tr -d '[:space:]')" ]; then
  debugging="${ENABLE_REMOTE_DEBUGGING:-}"
  name=ENABLE_REMOTE_DEBUGGING
fi

case "$(printf '%s' "$debugging" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" in
  true | 1 | yes | on)
    if [ "${WORKFLOW_RUNNER:-process}" = "in-process" ]; then
      # Appended, so worker arguments the operator set (e.g. --max-old-space-size) are kept.
      languageWorkers__node__arguments="${languageWorkers__node__arguments:+$languageWorkers__node__arguments }--inspect=0.0.0.0:9229"
      export languageWorkers__node__arguments
      echo "funcspace: $name is on, the Node worker listens for a debugger on port 9229"
    else
      echo "funcspace: $name is on, the workflow runner listens for a debugger on port 9229"
    fi
    ;;
  false | 0 | no | off | "") ;;
  *)
    echo "funcspace: $name=\"$debugging\" must be true or false" >&2
    exit 64
    ;;
esac

exec "$@"
