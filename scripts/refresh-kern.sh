#!/bin/sh
# Refreshes the vendored KERN design system (fluxx/static/kern/) from the npm package @kern-ux/native.
#
#   make kern                      # the pinned version (KERN_VERSION in the Makefile)
#   scripts/refresh-kern.sh 2.7.2  # or any other version
#
# Only this script needs node and npm: the vendored files are committed, so `make run` and `make test` work
# without them. It takes what the pages use: the compiled CSS, the Fira Sans faces its font stylesheet names,
# and the licence (EUPL-1.2); it writes VERSION and a README with the source and the tarball's sha256.
set -eu

version="${1:?usage: refresh-kern.sh VERSION (e.g. 2.7.2)}"
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/fluxx/static/kern"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null || { echo "npm fehlt: Node.js installieren (nur zum Aktualisieren von KERN nötig)" >&2; exit 1; }

cd "$work"
tarball=$(npm pack --silent "@kern-ux/native@$version" | tail -n 1)
sha256=$(sha256sum "$tarball" | cut -d ' ' -f 1)
tar -xzf "$tarball"
packed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' package/package.json | head -n 1)
[ "$packed" = "$version" ] || { echo "the tarball holds version $packed, not $version" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest/fonts/fira-sans"
cp package/dist/kern.min.css "$dest/kern.min.css"
cp package/dist/fonts/fira-sans.css "$dest/fonts/fira-sans.css"
# Exactly the font files fira-sans.css names (the package ships more faces than it declares).
for font in $(grep -o 'fira-sans/[A-Za-z0-9-]*\.woff2' package/dist/fonts/fira-sans.css | sort -u); do
  cp "package/dist/fonts/$font" "$dest/fonts/$font"
done
cp package/LICENSE.md "$dest/LICENSE.md"
printf '%s\n' "$version" > "$dest/VERSION"

cat > "$dest/README.md" <<NOTE
# KERN $version (vendored)

KERN, the open UX standard of the German public administration (https://www.kern-ux.de), as published on npm:
\`@kern-ux/native@$version\` (https://registry.npmjs.org/@kern-ux/native/-/native-$version.tgz).
Licence: EUPL-1.2 (LICENSE.md, unchanged from the package).

- version: $version
- fetched: $(date -u +%Y-%m-%d) with \`npm pack @kern-ux/native@$version\`
- sha256 of the tarball: $sha256

Files, copied unchanged from the package:

| here | in the package |
| --- | --- |
| kern.min.css | dist/kern.min.css |
| fonts/fira-sans.css | dist/fonts/fira-sans.css |
| fonts/fira-sans/*.woff2 | dist/fonts/fira-sans/ (the faces fira-sans.css declares) |
| LICENSE.md | LICENSE.md |

Do not edit these files: run \`make kern\` (scripts/refresh-kern.sh) to refresh them. Our own styles are in
fluxx/static/tokens.css and fluxx/static/style.css.
NOTE

echo "KERN $version nach $dest übernommen (sha256 $sha256)."
