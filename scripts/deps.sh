#!/usr/bin/env bash
# Installs what the test suite needs and is not a Go module: the real agent
# CLIs and ccusage from npm, Postgres from Debian's packages, and staticcheck. Idempotent; quiet when all is
# present. Prints the PATH additions to eval: eval "$(scripts/deps.sh)".
set -euo pipefail

NPM_PREFIX=${TRACEVAULT_NPM_PREFIX:-/opt/tv-npm}
STATICCHECK_VERSION=v0.8.2
want=(
  "@anthropic-ai/claude-code@2.1.328"
  "ccusage@20.0.24"
  "@openai/codex@0.169.0"
  "@google/gemini-cli@0.61.0"
)

have() { # have NAME VERSION
  local pj="$NPM_PREFIX/node_modules/$1/package.json"
  [ -f "$pj" ] && grep -q "\"version\": \"$2\"" "$pj"
}

missing=()
for spec in "${want[@]}"; do
  name=${spec%@*}; ver=${spec##*@}
  have "$name" "$ver" || missing+=("$spec")
done
if [ ${#missing[@]} -gt 0 ]; then
  mkdir -p "$NPM_PREFIX"
  [ -f "$NPM_PREFIX/package.json" ] || echo '{"name":"tracevault-test-tools","private":true}' > "$NPM_PREFIX/package.json"
  echo "installing ${missing[*]} into $NPM_PREFIX" >&2
  (cd "$NPM_PREFIX" && npm install --no-audit --no-fund --loglevel=error "${want[@]}" >&2)
fi

# Postgres binaries for the server tests (internal/pgtest starts a private
# server on a free loopback port per test process).
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql from Debian packages" >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  fi
fi

GOBIN=$(go env GOPATH)/bin
if ! "$GOBIN/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
  echo "installing staticcheck $STATICCHECK_VERSION" >&2
  GOFLAGS=-buildvcs=false go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" >&2
fi
echo "export PATH=\"$NPM_PREFIX/node_modules/.bin:$GOBIN:\$PATH\""
