#!/usr/bin/env bash
# Refreshes the GraphiQL assets that the binary embeds (api/assets/graphiql):
# production builds of pinned versions from the npm registry, their licences
# beside them, source-map comments removed (the maps are not shipped). Run it
# only to change a version; the build itself needs no npm and no network.
set -euo pipefail
GRAPHIQL=3.8.3   # the last GraphiQL with a UMD build (GraphiQL 4+ ships ES modules only)
REACT=18.3.1     # the last React with UMD builds
out="$(cd "$(dirname "$0")/.." && pwd)/api/assets/graphiql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack -q "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for archive in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  pkg="${archive%-*}"
  mkdir "$pkg" && tar xzf "$archive.tgz" -C "$pkg" --strip-components=1
done
strip() { sed '/^\/\/# sourceMappingURL=/d; s#/\*\# sourceMappingURL=[^*]*\*/##' "$1" > "$2"; }
strip react/umd/react.production.min.js "$out/react.production.min.js"
strip react-dom/umd/react-dom.production.min.js "$out/react-dom.production.min.js"
strip graphiql/graphiql.min.js "$out/graphiql.min.js"
strip graphiql/graphiql.min.css "$out/graphiql.min.css"
{
  echo "GraphiQL $GRAPHIQL and React/ReactDOM $REACT, from the npm registry, under the MIT licence:"
  for pkg in graphiql react react-dom; do echo; echo "== $pkg"; cat "$pkg/LICENSE"; done
} > "$out/LICENSES.txt"
(cd "$out" && sha256sum ./*.js ./*.css | grep -v tandem-graphiql > SHA256SUMS)
echo "vendored into $out"
