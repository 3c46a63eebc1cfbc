# Shared helpers for scripts/demo, scripts/test and .ci/run: package list, missing-package check, timing.
# shellcheck shell=bash

KEYLESS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

# The packages named in scripts/apt-packages, without comments.
apt_packages() {
  grep -v -e '^#' -e '^$' "$KEYLESS_ROOT/scripts/apt-packages"
}

# Prints the packages from the arguments that are not installed.
missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}

# Runs a command and prints how long it took, under a heading.
timed() {
  local label=$1 started=$SECONDS
  shift
  echo
  echo "==> $label"
  "$@"
  echo "<== $label: $((SECONDS - started)) s"
}
