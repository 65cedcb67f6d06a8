#!/usr/bin/env bash
# install-deps.sh - install every Debian 12 package that building, testing, fuzzing and
# benchmarking smtpwarden needs. Idempotent and non-interactive; safe to run on every test run.
#
# All names below exist in Debian 12 (bookworm); checked with `apt-cache policy`.
# Notes:
#   - npm: Debian's `npm` conflicts with a `nodejs` package that already bundles npm (the
#     NodeSource build some machines carry); we install Debian's npm only when no `npm` command
#     is present.
#   - tcpdump, python3-scapy: the sensor's tests record loopback sessions and rewrite them;
#     tshark: the sensor benchmark's reference (its debconf question, setuid dumpcap, is
#     answered no by the non-interactive install).
#   - python3-reportlab, fonts-dejavu-core: the scan test writes PDF attachments (a built-in
#     font and an embedded TrueType subset with a ToUnicode map) for PDF text extraction.
#   - postfix: we need its smtp-sink/smtp-source tools, never a system instance on port 25, so
#     the service is stopped and disabled right after installation.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a

PACKAGES=(
    build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
    libevent-dev libssl-dev libyaml-dev libjansson-dev libcrypt-dev libcmocka-dev
    libhyperscan-dev libpcap-dev libc-ares-dev libmilter-dev libsqlite3-dev libhiredis-dev
    libarchive-dev libpcre2-dev zlib1g-dev
    python3 python3-pytest python3-aiosmtpd python3-dkim python3-reportlab fonts-dejavu-core
    swaks libnet-ssleay-perl libio-socket-ssl-perl postfix openssl procps iproute2 nmap nodejs
    dnsmasq publicsuffix redis-server
    tcpdump python3-scapy tshark
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    else
        echo "install-deps: not root and no sudo; cannot install packages" >&2
        exit 1
    fi
fi

# pkg_installed NAME - true when dpkg has NAME fully installed
pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

missing=()
for p in "${PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
done
if ! command -v npm >/dev/null 2>&1 && ! pkg_installed npm; then
    missing+=(npm)
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all packages present"
else
    echo "install-deps: installing ${missing[*]}"
    # apt-get update at most once an hour (the lists are needed before any install)
    stamp=/var/lib/apt/periodic/update-success-stamp
    own_stamp=/var/tmp/smtpwarden-apt-update.stamp
    fresh=0
    for s in "$stamp" "$own_stamp"; do
        if [ -e "$s" ] && [ -n "$(find "$s" -mmin -60 2>/dev/null)" ]; then
            fresh=1
        fi
    done
    if [ "$fresh" -eq 0 ]; then
        "${SUDO[@]}" apt-get update -q
        "${SUDO[@]}" touch "$own_stamp" 2>/dev/null || true
    fi
    # postfix asks debconf questions; answer them up front (local only, no relay)
    if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
        printf '%s\n' \
            "postfix postfix/main_mailer_type select No configuration" \
            "postfix postfix/mailname string localhost" |
            "${SUDO[@]}" debconf-set-selections
    fi
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# No system Postfix on port 25: tests and benchmarks run their own smtp-sink and instances.
if command -v postfix >/dev/null 2>&1; then
    "${SUDO[@]}" postfix stop >/dev/null 2>&1 || true
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        "${SUDO[@]}" systemctl disable --now postfix >/dev/null 2>&1 || true
    fi
fi

# No system dnsmasq on port 53 either: DNS tests start their own on a loopback port.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    "${SUDO[@]}" systemctl disable --now dnsmasq >/dev/null 2>&1 || true
elif [ -x /etc/init.d/dnsmasq ]; then
    "${SUDO[@]}" /etc/init.d/dnsmasq stop >/dev/null 2>&1 || true
fi

# Check that the tools the scripts call are really there.
for tool in cmake ninja clang clang-format swaks openssl dnsmasq /usr/sbin/smtp-sink /usr/bin/python3; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "install-deps: $tool still missing after install" >&2
        exit 1
    }
done
/usr/bin/python3 -c 'import pytest, aiosmtpd, dkim, reportlab' || {
    echo "install-deps: python3-pytest / python3-aiosmtpd / python3-dkim / python3-reportlab not importable by /usr/bin/python3" >&2
    exit 1
}
echo "install-deps: ok"
