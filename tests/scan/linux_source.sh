#!/usr/bin/env bash
# Installs Debian's linux-source-6.1 through the setup script and unpacks it into $1 (once).
set -euo pipefail
dest=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/scripts/setup.sh" --linux-source
[ -f "$dest/Makefile" ] && exit 0
tarball=$(ls /usr/src/linux-source-6.1*.tar.xz | head -1)
mkdir -p "$dest"
tar -xJf "$tarball" -C "$dest" --strip-components=1
