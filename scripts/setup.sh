#!/usr/bin/env bash
# Installs what improv needs to build on a fresh Debian/Ubuntu machine: the ALSA headers
# rodio links against, and pkg-config to find them. Does nothing when they are present.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "improv needs a Rust toolchain (1.95 or later): install it with rustup, then run this again." >&2
  exit 1
fi

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists alsa; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "improv needs the ALSA development headers and pkg-config (Debian: libasound2-dev pkg-config); install them with your package manager." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "Installing the ALSA headers and pkg-config (needed to build audio playback)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libasound2-dev pkg-config
