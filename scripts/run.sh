#!/usr/bin/env bash
# The product on one machine with embedded defaults: replays a real recorded
# Claude Code session into a demo repository (tracevault demo), then starts
# tracevault-server with its embedded store, mirrors and seals the demo
# repository, and prints how to query and verify it. Data lives under
# ./data (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
DATA=${TRACEVAULT_RUN_DATA:-data}
ADDR=${TRACEVAULT_RUN_ADDR:-127.0.0.1:3000}
export TRACEVAULT_HOME="$PWD/$DATA/home"   # the demo writer's key stays in ./data

mkdir -p "$DATA"
if [ ! -d "$DATA/demo/greeter/.git" ]; then
  "$BIN/tracevault" demo --dir "$DATA/demo"
fi
SERVER=("$BIN/tracevault-server" --data-dir "$DATA/server" --addr "$ADDR")
if ! "${SERVER[@]}" repo list 2>/dev/null | grep -q greeter; then
  "${SERVER[@]}" repo add "$PWD/$DATA/demo/greeter" >/dev/null
fi
id=$("${SERVER[@]}" repo list 2>/dev/null | awk '/greeter/ {print $1; exit}')
"${SERVER[@]}" repo fetch "$id"
token=$("${SERVER[@]}" apikey create --role auditor --name run.sh 2>/dev/null | grep -o 'tvk_[A-Za-z0-9_-]*' | head -n1)
cat <<EOT

TraceVault server on http://$ADDR (embedded store in $DATA/server), with the
demo repository $DATA/demo/greeter mirrored and sealed. Try, in another shell:

  curl -s -H "Authorization: Bearer $token" http://$ADDR/api/v1/orgs/default/seal/checkpoint
  TRACEVAULT_SERVER=http://$ADDR TRACEVAULT_TOKEN=$token $BIN/tracevault seal verify
  cd $DATA/demo/greeter && git log --notes=tracevault -2 && $PWD/$BIN/tracevault status

EOT
exec "${SERVER[@]}"
