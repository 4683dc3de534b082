#!/usr/bin/env bash
# Build the Android APK. Needs internet: flet-cli downloads Flutter, the Android SDK, the
# python-build runtime and the wheels (Flet's mobile index for compiled ones, PyPI for pure).
set -euo pipefail
cd "$(dirname "$0")/../.."

# The Python bundled into the APK. Without the flag flet-cli takes the highest one that
# `requires-python` allows (3.14), where the mobile index has other wheels than the ones
# tests/test_android_resolution.py checks; that test reads the version from this line.
exec flet build apk --python-version 3.12 "$@"
