#!/bin/sh
# Makes sure the build's tools are here: flex, bison, Criterion (and pkg-config).
# As root on Debian it installs what is missing with apt-get; otherwise it
# names exactly what to install and fails.
missing=""
command -v flex >/dev/null 2>&1 || missing="$missing flex"
command -v bison >/dev/null 2>&1 || missing="$missing bison"
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
pkg-config --exists criterion 2>/dev/null || [ -f /usr/include/criterion/criterion.h ] || missing="$missing libcriterion-dev"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
    echo "error: apt-get could not install:$missing" >&2; exit 1; }
  exit 0
fi
echo "error: missing build tools:$missing" >&2
echo "install them with: sudo apt-get install$missing" >&2
exit 1
