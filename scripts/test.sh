#!/usr/bin/env bash
# The whole test suite: formatting, vet, staticcheck, and every test (PostgreSQL and Redis tests
# included when those services answer; under CI=true they must).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
# 2026.2.2 is module version v0.8.2: the module proxy only knows the semantic version.
STATICCHECK_VERSION=2026.2.2
STATICCHECK_MODULE_VERSION=v0.8.2
if ! command -v staticcheck >/dev/null 2>&1 || ! staticcheck -version 2>/dev/null | grep -q "$STATICCHECK_VERSION"; then
  GOBIN="$(go env GOPATH)/bin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_MODULE_VERSION"
  export PATH="$(go env GOPATH)/bin:$PATH"
fi
staticcheck ./...

echo "== build (static, no cgo)"
CGO_ENABLED=0 go build -o /dev/null ./cmd/warden

echo "== go test"
go test -race -count=1 -timeout 30m ./...

# Under the race detector internal/sockio reads and writes through the syscall package; this
# run tests the raw system calls that the product uses, where sockets are read and written.
echo "== go test (socket I/O without the race detector)"
go test -count=1 -timeout 10m ./internal/sockio ./internal/h1 ./internal/h1server ./internal/server
