#!/usr/bin/env python3
"""Checks an installed evbus from outside the tree (docs/install.md).

  install_test.py find_package|pkg_config|deb --build-dir B --source-dir S
                  --cxx CXX [--expect-python]

find_package: `cmake --install B --prefix <temp>`, checks the layout, then
  configures, builds and runs tests/install/consumer (copied out of the tree)
  with find_package(evbus) and evbus::evbus.
pkg_config: the same install; builds consumer/main.cc with
  `CXX main.cc $(pkg-config --cflags --libs evbus)` and runs it.
deb: `cpack -G DEB` into a temporary directory; checks Depends and the
  contents with dpkg-deb, unpacks it and builds the consumer with the
  package's evbus.pc.
Everything goes to temporary directories, removed at the end (also the
consumer's shared-memory files in /dev/shm). Exit 0 on success, 1 with
the reason on failure.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

LIBRARIES = ["evbus_stream", "evbus_persist", "evbus_shm", "evbus_core", "evbus_base"]
DEB_DEPENDS = ["libc6", "libstdc++6", "libmimalloc2.0"]


class Failure(Exception):
    pass


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise Failure("`%s` exited with %d:\n%s%s" % (" ".join(cmd), proc.returncode,
                                                      proc.stdout[-4000:], proc.stderr[-4000:]))
    return proc.stdout


def cache_value(build_dir, name, default):
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return default


def public_headers(source_dir):
    with open(os.path.join(source_dir, "cmake", "public_headers.txt")) as f:
        return sorted(l.strip() for l in f if l.strip() and not l.startswith("#"))


def check_layout(prefix, args, libdir):
    """The installed files are where docs/install.md says, headers exactly the list."""
    expected = ["bin/evbus", "bin/evbus_persister", libdir + "/cmake/evbus/evbusConfig.cmake",
                libdir + "/cmake/evbus/evbusConfigVersion.cmake", libdir + "/pkgconfig/evbus.pc"]
    expected += ["%s/lib%s.a" % (libdir, lib) for lib in LIBRARIES]
    missing = [p for p in expected if not os.path.isfile(os.path.join(prefix, p))]
    if missing:
        raise Failure("not installed: " + ", ".join(missing))
    if "usage" not in run([os.path.join(prefix, "bin", "evbus"), "--help"]).lower():
        raise Failure("the installed evbus --help printed no usage")
    include = os.path.join(prefix, "include", "evbus")
    installed = sorted(os.path.relpath(os.path.join(d, f), include)
                       for d, _, files in os.walk(include) for f in files)
    listed = public_headers(args.source_dir)
    if installed != listed:
        raise Failure("include/evbus holds %s; cmake/public_headers.txt lists %s" %
                      (sorted(set(installed) - set(listed)) or "no more",
                       sorted(set(listed) - set(installed)) or "no more"))
    if args.expect_python:
        found = glob.glob(os.path.join(prefix, "lib*", "**", "evbus", "__init__.py"),
                          recursive=True)
        if not found:
            raise Failure("the Python package evbus (evbus/__init__.py) is not under %s/lib*/" %
                          prefix)
        print("python package: " + os.path.relpath(os.path.dirname(found[0]), prefix))


def run_consumer(exe, work):
    """Runs the consumer on a fresh store root and session; removes its shm files."""
    sid = "evbus-install-" + uuid.uuid4().hex[:12]
    try:
        out = run([exe, os.path.join(work, "store"), sid], timeout=60)
    finally:
        for path in glob.glob("/dev/shm/*" + sid + "*"):
            os.remove(path)
    if "read back: hello from outside the tree" not in out:
        raise Failure("the consumer printed: " + out)
    print(out.strip())


def install(args, work):
    prefix = os.path.join(work, "prefix")
    run(["cmake", "--install", args.build_dir, "--prefix", prefix])
    libdir = cache_value(args.build_dir, "CMAKE_INSTALL_LIBDIR", "lib")
    check_layout(prefix, args, libdir)
    return prefix, libdir


def check_find_package(args, work):
    prefix, _ = install(args, work)
    src = os.path.join(work, "consumer")
    shutil.copytree(os.path.join(args.source_dir, "tests", "install", "consumer"), src)
    build = os.path.join(work, "consumer-build")
    run(["cmake", "-S", src, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix,
         "-DCMAKE_CXX_COMPILER=" + args.cxx, "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", build])
    run_consumer(os.path.join(build, "evbus_consumer"), work)


def build_with_pkg_config(args, work, pc_dir):
    env = dict(os.environ, PKG_CONFIG_PATH=pc_dir)
    flags = run(["pkg-config", "--cflags", "--libs", "evbus"], env=env).split()
    exe = os.path.join(work, "evbus_consumer_pc")
    main = os.path.join(args.source_dir, "tests", "install", "consumer", "main.cc")
    run([args.cxx, "-O1", main, "-o", exe] + flags)
    run_consumer(exe, work)


def check_pkg_config(args, work):
    prefix, libdir = install(args, work)
    build_with_pkg_config(args, work, os.path.join(prefix, libdir, "pkgconfig"))


def check_deb(args, work):
    config = os.path.join(args.build_dir, "CPackConfig.cmake")
    run(["cpack", "-G", "DEB", "--config", config, "-B", os.path.join(work, "cpack")])
    debs = glob.glob(os.path.join(work, "cpack", "*.deb"))
    if len(debs) != 1:
        raise Failure("cpack made %s, not one .deb" % (debs or "nothing"))
    deb = debs[0]
    depends = run(["dpkg-deb", "-f", deb, "Depends"]).strip()
    names = [d.strip().split(" ")[0] for d in depends.replace("|", ",").split(",")]
    wanted = DEB_DEPENDS + (["python3"] if args.expect_python else [])
    missing = [d for d in wanted if d not in names]
    if missing:
        raise Failure("Depends: %s lacks %s" % (depends, ", ".join(missing)))
    print("%s Depends: %s" % (os.path.basename(deb), depends))
    libdir = cache_value(args.build_dir, "CMAKE_INSTALL_LIBDIR", "lib")
    contents = [line.split()[-1] for line in run(["dpkg-deb", "-c", deb]).splitlines()]
    for path in ["./usr/bin/evbus", "./usr/bin/evbus_persister",
                 "./usr/%s/cmake/evbus/evbusConfig.cmake" % libdir,
                 "./usr/%s/pkgconfig/evbus.pc" % libdir,
                 "./usr/include/evbus/stream/event_stream.h"]:
        if path not in contents:
            raise Failure("%s does not contain %s" % (os.path.basename(deb), path))
    # The package's evbus.pc is relocatable: unpacked anywhere, it builds.
    root = os.path.join(work, "unpacked")
    run(["dpkg-deb", "-x", deb, root])
    build_with_pkg_config(args, work, os.path.join(root, "usr", libdir, "pkgconfig"))
    if args.expect_python:
        import_from_package(os.path.join(root, "usr"))


def import_from_package(usr):
    """Debian's python3 imports the package from where the .deb puts it."""
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    found = glob.glob(os.path.join(usr, "lib*", "**", "evbus", "__init__.py"), recursive=True)
    if not found:
        raise Failure("the .deb holds no Python package evbus")
    site = os.path.dirname(os.path.dirname(found[0]))
    env = dict(os.environ, PYTHONPATH=site)
    out = run([python, "-c", "import evbus, os; print(os.path.dirname(evbus.__file__))"],
              env=env, cwd=usr)
    if not out.strip().startswith(site):
        raise Failure("%s imported evbus from %s, not from the package" % (python, out.strip()))
    print("python package in the .deb: /usr/" + os.path.relpath(site, usr) + "/evbus")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check", choices=["find_package", "pkg_config", "deb"])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--cxx", default="c++")
    parser.add_argument("--expect-python", action="store_true")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="evbus-install-")
    try:
        {"find_package": check_find_package, "pkg_config": check_pkg_config,
         "deb": check_deb}[args.check](args, work)
    except (Failure, subprocess.TimeoutExpired) as e:
        print("install_%s: %s" % (args.check, e), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("install_%s: ok" % args.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
