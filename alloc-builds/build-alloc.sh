#!/usr/bin/env bash
# build-alloc.sh — `gauntlet build-alloc`: an allocator built from source,
# instrumented as asked, for `--alloc so:PATH`. The source is a Debian source
# package (bookworm, trixie or sid, through a private APT configuration: no
# system file is changed) or a checkout of the user's own (--src). Builds are
# cached by source and options; the last line printed is `so:PATH`.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: gauntlet build-alloc NAME[@SUITE] [--with LIST] [-o DIR]
       gauntlet build-alloc --src DIR [--family F] [--with LIST] [-o DIR]

Builds an allocator from source for `--alloc so:PATH` and prints that name
as its last line. Builds are cached (DIR/NAME-VERSION-OPTIONS/) by source
and options: a second call with the same ones prints the same path at once.

  NAME          mimalloc, jemalloc or gperftools (tcmalloc)
  SUITE         the Debian release whose source package is built: bookworm
                (default), trixie or sid (fetched through a private APT
                configuration under DIR/apt; nothing in /etc changes)
  --src DIR     a source checkout of your own instead (an allocator
                maintainer's tree); --family says which build it takes when
                the tree does not show it (mimalloc: CMakeLists.txt naming
                mimalloc; jemalloc: configure.ac naming jemalloc; gperftools:
                src/tcmalloc.cc)
  --with LIST   comma-separated, any of:
                  coverage  the allocator's own branches count as coverage in
                            `gauntlet fuzz` (libFuzzer's inline 8-bit counters,
                            PC table and comparison tracing); `gauntlet run`
                            and the other commands load it too
                  asan      AddressSanitizer inside the allocator (load it in a
                            process that has ASan's runtime: LD_PRELOAD=$(clang
                            -print-file-name=libclang_rt.asan-x86_64.so))
                  tsan      ThreadSanitizer inside the allocator (likewise, with
                            libclang_rt.tsan-x86_64.so)
                  debug     the allocator's own assertions: mimalloc
                            MI_DEBUG_FULL, jemalloc --enable-debug, gperftools
                            its debug allocation library
                asan and tsan exclude each other.
  -o DIR        the cache (default: build/allocs in a source tree, else
                ~/.cache/gauntlet/allocs)

Exit status: 0 built (or cached); 2 usage error, a source that cannot be had,
or a build that failed (the end of its log is printed).
EOF
}

die() { echo "gauntlet build-alloc: $*" >&2; exit 2; }

name="" src="" family="" with="" out=""
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --src) [ $# -ge 2 ] || die "--src needs a directory"; src=$2; shift ;;
    --family) [ $# -ge 2 ] || die "--family needs a name"; family=$2; shift ;;
    --with) [ $# -ge 2 ] || die "--with needs a list"; with=$2; shift ;;
    -o) [ $# -ge 2 ] || die "-o needs a directory"; out=$2; shift ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$name" ] || die "one allocator at a time (got $name and $1)"; name=$1 ;;
  esac
  shift
done
[ -n "$name" ] || [ -n "$src" ] || { usage >&2; exit 2; }
[ -z "$name" ] || [ -z "$src" ] || die "NAME or --src, not both"

# ---- options ----
coverage=0 asan=0 tsan=0 debug=0
IFS=, read -r -a wanted <<< "$with"
for w in "${wanted[@]}"; do
  case $w in
    coverage) coverage=1 ;; asan) asan=1 ;; tsan) tsan=1 ;; debug) debug=1 ;;
    "") ;;
    *) die "--with takes coverage, asan, tsan and debug, not '$w'" ;;
  esac
done
[ $((asan + tsan)) -lt 2 ] || die "asan and tsan cannot be combined"
options=""
for o in coverage asan tsan debug; do
  [ "${!o}" = 1 ] && options+="-$o"
done

# ---- where the cache is ----
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$out" ]; then
  if [ -f "$here/fuzzers/build.sh" ] && [ -d "$here/harness" ]; then
    out=$here/build/allocs
  else
    out=${XDG_CACHE_HOME:-$HOME/.cache}/gauntlet/allocs
  fi
fi
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

# ---- tools: installed when missing (root), else named ----
need() { # COMMAND PACKAGE
  command -v "$1" > /dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "gauntlet build-alloc: installing $2" >&2
    # The system's APT configuration, not the private one that fetches sources.
    { env -u APT_CONFIG apt-get update -q &&
      env -u APT_CONFIG DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2"; } \
      > "$out/install.log" 2>&1 || die "could not install $2 (see $out/install.log)"
  fi
  command -v "$1" > /dev/null || die "$1 is missing (package $2)"
}

# ---- the source ----
fetch_debian() { # PACKAGE SUITE -> sets srcdir, version
  local package=$1 suite=$2 apt=$out/apt
  need dpkg-source dpkg-dev
  need xz xz-utils
  mkdir -p "$apt/state/lists/partial" "$apt/cache/archives/partial" "$out/src/$suite"
  local uri
  uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2> /dev/null | head -n 1)
  [ -n "$uri" ] || uri=$(sed -n 's/^deb \(http[^ ]*\) .*/\1/p' /etc/apt/sources.list 2> /dev/null | head -n 1)
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  { for s in bookworm trixie sid; do echo "deb-src $uri $s main"; done; } > "$apt/sources.list"
  cat > "$apt/apt.conf" <<EOF
Dir::Etc::SourceList "$apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::State "$apt/state";
Dir::Cache "$apt/cache";
Dir::State::status "/var/lib/dpkg/status";
Acquire::Languages "none";
EOF
  export APT_CONFIG=$apt/apt.conf
  # The indexes are fetched again after a day: a new upload changes a suite.
  if [ -z "$(find "$apt/state/lists" -name '*Sources*' -mtime -1 2> /dev/null | head -n 1)" ]; then
    echo "gauntlet build-alloc: reading the source indexes ($uri)" >&2
    apt-get update -q > "$apt/update.log" 2>&1 || die "apt-get update failed (see $apt/update.log)"
  fi
  # PACKAGE/SUITE: the version that suite has.
  local dir=$out/src/$suite
  ( cd "$dir" && apt-get source -q --only-source "$package/$suite" ) > "$dir/source.log" 2>&1 ||
    die "cannot get the source of $package in $suite: $(grep -m1 '^E:' "$dir/source.log" || tail -n 1 "$dir/source.log")"
  local dsc
  dsc=$(grep -o "${package}_[^ ]*\.dsc" "$dir/source.log" | tail -n 1)
  [ -n "$dsc" ] || dsc=$(cd "$dir" && ls -t "${package}"_*.dsc | head -n 1)
  version=${dsc#"${package}"_}
  version=${version%.dsc}
  local upstream=${version#*:}
  upstream=${upstream%-*}
  srcdir=$dir/$package-$upstream
  [ -d "$srcdir" ] || die "the source of $package $version did not unpack into $srcdir"
}

detect_family() { # DIR
  if [ -f "$1/CMakeLists.txt" ] && grep -qi mimalloc "$1/CMakeLists.txt"; then echo mimalloc
  elif [ -f "$1/configure.ac" ] && grep -q jemalloc "$1/configure.ac"; then echo jemalloc
  elif [ -f "$1/src/tcmalloc.cc" ]; then echo gperftools
  fi
}

if [ -n "$src" ]; then
  [ -d "$src" ] || die "--src $src: no such directory"
  srcdir=$(cd "$src" && pwd)
  [ -n "$family" ] || family=$(detect_family "$srcdir")
  [ -n "$family" ] || die "--src $src: not a mimalloc, jemalloc or gperftools tree (say --family)"
  # The source's state: every file's path, size and time, so an edit makes a new build.
  version=src-$(cd "$srcdir" && find . -path ./.git -prune -o -type f -printf '%P %s %T@\n' |
    LC_ALL=C sort | md5sum | cut -c1-12)
else
  suite=bookworm
  case $name in *@*) suite=${name#*@}; name=${name%@*} ;; esac
  case $suite in bookworm | trixie | sid) ;; *) die "SUITE must be bookworm, trixie or sid, not '$suite'" ;; esac
  case $name in
    mimalloc) family=mimalloc package=mimalloc ;;
    jemalloc) family=jemalloc package=jemalloc ;;
    gperftools | tcmalloc) family=gperftools package=google-perftools ;;
    *) die "NAME must be mimalloc, jemalloc or gperftools, not '$name'" ;;
  esac
  fetch_debian "$package" "$suite"
fi
case $family in mimalloc | jemalloc | gperftools) ;; *) die "--family must be mimalloc, jemalloc or gperftools" ;; esac

key=$family-$version$options
dest=$out/$key
if [ -f "$dest/lib.path" ] && [ -f "$(cat "$dest/lib.path")" ]; then
  echo "so:$(cat "$dest/lib.path")"
  exit 0
fi

# ---- the build ----
cflags="-O2 -g -fno-omit-frame-pointer"
cc=cc cxx=c++
if [ $((coverage + asan + tsan)) -gt 0 ]; then
  need clang clang
  cc=clang cxx=clang++
fi
[ $coverage = 1 ] && cflags+=" -fsanitize-coverage=inline-8bit-counters,pc-table,trace-cmp"
[ $asan = 1 ] && cflags+=" -fsanitize=address"
[ $tsan = 1 ] && cflags+=" -fsanitize=thread"
[ $debug = 1 ] && cflags=${cflags/-O2/-O1}
ldflags=""
[ $asan = 1 ] && ldflags+=" -fsanitize=address -shared-libasan"
[ $tsan = 1 ] && ldflags+=" -fsanitize=thread"

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
work=$dest.tmp/tree
cp -a "$srcdir" "$work"
log=$dest.tmp/build.log
echo "gauntlet build-alloc: building $family $version${options:+ ($options)} in $dest (log: $log)" >&2

failed() {
  echo "gauntlet build-alloc: the build failed; the end of $log:" >&2
  tail -n 25 "$log" >&2
  exit 2
}

case $family in
  mimalloc)
    need cmake cmake
    args=(-DMI_BUILD_TESTS=OFF -DMI_BUILD_STATIC=OFF -DMI_BUILD_OBJECT=OFF
      -DCMAKE_BUILD_TYPE=$([ $debug = 1 ] && echo Debug || echo Release))
    [ $debug = 1 ] && args+=(-DMI_DEBUG_FULL=ON)
    (cd "$work" && CC=$cc CXX=$cxx CFLAGS="$cflags" LDFLAGS="$ldflags" cmake -S . -B out "${args[@]}" &&
      make -C out -j"$(nproc)") > "$log" 2>&1 || failed
    lib=$(find "$work/out" -maxdepth 1 -name 'libmimalloc*.so' | head -n 1)
    ;;
  jemalloc)
    [ -x "$work/configure" ] || need autoconf autoconf
    need make make
    args=(--disable-cxx --disable-initial-exec-tls --disable-doc)
    [ $debug = 1 ] && args+=(--enable-debug)
    # jemalloc learns its version from a VERSION file or from git; a Debian
    # source since 5.3.1 has neither (its rules write VERSION), and the library
    # would call itself 0.0.0, which no regression's `# affects:` line names.
    if [ ! -f "$work/VERSION" ] && [ ! -e "$work/.git" ] && [ -f "$work/debian/changelog" ]; then
      upstream=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$work/debian/changelog")
      upstream=${upstream#*:}
      args+=(--with-version="${upstream%-*}-0-g0000000000000000000000000000000000000000")
    fi
    (cd "$work" && { [ -x configure ] || autoconf; } &&
      CC=$cc CXX=$cxx EXTRA_CFLAGS="$cflags" LDFLAGS="$ldflags" ./configure "${args[@]}" &&
      make -j"$(nproc)" build_lib_shared) > "$log" 2>&1 || failed
    lib=$(find "$work/lib" -maxdepth 1 -name 'libjemalloc.so.*' -type f | head -n 1)
    ;;
  gperftools)
    if [ ! -x "$work/configure" ]; then
      need autoreconf autoconf
      need aclocal automake
      need libtoolize libtool
    fi
    need make make
    need c++ g++
    target=libtcmalloc_minimal.la
    [ $debug = 1 ] && target=libtcmalloc_minimal_debug.la
    (cd "$work" && { [ -x configure ] || autoreconf -fi; } &&
      CC=$cc CXX=$cxx CFLAGS="$cflags" CXXFLAGS="$cflags" LDFLAGS="$ldflags" ./configure \
        --disable-cpu-profiler --disable-heap-profiler --disable-heap-checker &&
      make -j"$(nproc)" "$target") > "$log" 2>&1 || failed
    base=${target%.la}
    lib=$(find "$work/.libs" -maxdepth 1 -name "$base.so.*" -type f | head -n 1)
    ;;
esac
[ -n "${lib:-}" ] && [ -f "$lib" ] || { echo "no library came out of the build" >> "$log"; failed; }

# Kept: the library and the log; the tree is large and rebuilt on demand.
cp "$lib" "$dest.tmp/"
mv "$dest.tmp/tree" "$dest.tmp/.tree-removed" && rm -rf "$dest.tmp/.tree-removed"
lib_name=$(basename "$lib")
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "$dest/$lib_name" > "$dest/lib.path"
echo "so:$dest/$lib_name"
