#!/usr/bin/env bash
# Imports the host's static busybox as the image paas/busybox:latest: a 2 MB
# base for trying paas on a machine that cannot pull from a registry.
set -euo pipefail
command -v busybox >/dev/null || { echo "install busybox-static first (make deps)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/www" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' - paas/busybox:latest
