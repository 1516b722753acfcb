#!/usr/bin/env bash
# Installs what LoadLab's build and tests need on a Debian machine with Rust:
# the X11/Vulkan libraries the window links against, and Xvfb + Mesa's
# software Vulkan driver so window tests run without a screen.
# Safe to run twice; installs only what is missing. Needs root (or sudo).
set -euo pipefail

need=()
for pkg in pkg-config libx11-dev libxcursor-dev libxrandr-dev libxi-dev libxkbcommon-x11-0 \
           libvulkan1 mesa-vulkan-drivers xvfb xauth; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done

if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
else
    echo "setup: system packages already present"
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust from rustup first" >&2; exit 1; }
