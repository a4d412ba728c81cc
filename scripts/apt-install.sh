# Sourced by the setup scripts: `apt_install TAG PACKAGE...` installs the packages with
# apt-get (through sudo unless root), quietly; nothing when the list is empty.
apt_install() {
    local tag="$1"; shift
    [ $# -gt 0 ] || return 0
    echo "$tag: installing $*" >&2
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
