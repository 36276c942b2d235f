#!/bin/sh
# A stand-in for CPython's configure in gilbench's provisioning tests (no real build).
# It records its flags like CONFIG_ARGS and writes a Makefile whose install target
# installs a fake interpreter that answers the provisioning probe with them.
prefix=/usr/local
ft=false
args=""
for a in "$@"; do
    case "$a" in
        --prefix=*) prefix="${a#--prefix=}" ;;
        --disable-gil) ft=true ;;
    esac
    args="$args '$a'"
done
args="${args# }"
if [ -n "$FAKE_CONFIGURE_FAIL" ] && [ "$ft" = true ]; then
    echo "configure: error: simulated failure of the free-threaded configure" >&2
    exit 1
fi
srcdir=$(dirname "$0")
version=$(cat "$srcdir/VERSION")
minor=$(echo "$version" | cut -d. -f1,2)
name="python$minor"
[ "$ft" = true ] && name="${name}t"
{
    echo '#!/bin/sh'
    echo "/bin/cat <<'JSON'"
    echo "{\"implementation\": \"cpython\", \"version\": \"$version\", \"py_gil_disabled\": $ft, \"config_args\": \"$args\", \"executable\": \"$prefix/bin/$name\"}"
    echo "JSON"
} > fakepython
printf 'all:\n\t@echo compiling %s\nprofile-gen-stamp:\n\t@echo instrumented build\nprofile-run-stamp:\n\t@echo profile task: $(PROFILE_TASK)\ninstall:\n\tmkdir -p $(DESTDIR)%s/bin\n\tcp fakepython $(DESTDIR)%s/bin/%s\n\tchmod +x $(DESTDIR)%s/bin/%s\n' \
    "$name" "$prefix" "$prefix" "$name" "$prefix" "$name" > Makefile
echo "configured $name in $prefix"
