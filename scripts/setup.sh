#!/usr/bin/env bash
# Installs what improv needs to build on a fresh Debian/Ubuntu machine: a Rust toolchain
# (rustup) when there is none, the ALSA headers rodio links against, and pkg-config to
# find them, and a small General MIDI SoundFont. Does nothing when they are present.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "improv needs: $* (Debian package names); install them with your package manager." >&2
    exit 1
  fi
  echo "Installing $* ..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

# Rust: rustup's stable toolchain in ~/.cargo when there is none (the Makefile and CI put
# ~/.cargo/bin on PATH).
export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null 2>&1; then
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  # A C toolchain links the build scripts.
  command -v cc >/dev/null 2>&1 || apt_install build-essential
  echo "Installing Rust (rustup, stable)..."
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
    sh -s -- -y --profile minimal --component clippy,rustfmt
fi

# make runs the quick-start commands; minimal images lack it.
command -v make >/dev/null 2>&1 || apt_install make

# The ALSA headers rodio links against, and pkg-config to find them.
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists alsa; }; then
  apt_install libasound2-dev pkg-config
fi

# A General MIDI SoundFont for `--soundfont` (and the tests that play through one).
if [ ! -e /usr/share/sounds/sf2/TimGM6mb.sf2 ]; then
  apt_install timgm6mb-soundfont
fi
