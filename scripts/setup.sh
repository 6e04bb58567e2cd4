#!/usr/bin/env bash
# Installs the system packages Sluice's build, demo and tests need.
# Idempotent: installs only what is missing. Works as root (apt-get) on Debian 12;
# as another user it uses sudo when available.
set -euo pipefail

# python3: the workload checker (shared/workload/verify.py) and the generator parity test.
# libzstd-dev + pkg-config: zstd-compressed replay segments (the CZstd system-library target).
# librdkafka-dev: the Kafka client and its built-in Kafka-protocol cluster (`sluice broker`, CRdKafka).
# kcat: a second Kafka client for interop tests and for looking at topics by hand.
# python3-venv: the virtual environment for the Python Kafka client of the interop tests.
# openssl, curl: the edge agent's HTTPS ingest test makes a certificate and posts with it.
packages=(python3 python3-venv pkg-config libzstd-dev librdkafka-dev kcat openssl curl)

missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if ((${#missing[@]})); then
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        SUDO="sudo"
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A Python Kafka client (confluent-kafka, from PyPI) for the interop tests, in a virtual
# environment of the project's own (.build/python), so the system Python stays untouched.
VENV="$(cd "$(dirname "$0")/.." && pwd)/.build/python"
if ! "$VENV/bin/python" -c "import confluent_kafka" >/dev/null 2>&1; then
    echo "setup: installing confluent-kafka into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check confluent-kafka
fi

command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6 toolchain required)" >&2; exit 1; }
echo "setup: ok ($(swift --version 2>/dev/null | head -1))"
