"""The embeddings in docs/examples, and the library as a user installs it.

BlockingServer and EpollHandler run the example servers on 127.0.0.1 port 0
and stop them by PID. Installed installs the build into a temporary prefix,
builds docs/examples/in_memory.cpp through find_package and through
pkg-config (the latter linked beside a program's own llhttp), builds the Debian
package and looks inside, and builds the library shared.
"""
import argparse
import os
import re
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
import urllib.request

from harness import stop_process

ARGS = None


def run(*argv, cwd=None, env=None, timeout=300):
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


class ServerProcess:
    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        # A thread of its own reads the program's lines, so a wait for one is bounded.
        self.lines = queue.Queue()
        threading.Thread(target=self._read_lines, daemon=True).start()
        line = self.line()
        m = re.search(r"listening on (\S+):(\d+)", line)
        if not m:
            self.stop()
            raise AssertionError(f"server did not say where it listens: {line!r}")
        self.url = f"http://{m.group(1)}:{m.group(2)}"

    def _read_lines(self):
        try:
            for line in self.proc.stdout:
                self.lines.put(line)
        except (OSError, ValueError):  # closed by stop()
            pass

    def line(self, timeout=10.0):
        """The program's next line on stdout, or an error after `timeout`."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from the program within {timeout} s") from None

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return r.status, r.read()

    def stop(self):
        return stop_process(self.proc)


class BlockingServer(unittest.TestCase):
    def test_serves_requests_one_connection_at_a_time(self):
        server = ServerProcess([ARGS.blocking, "0"])
        try:
            for _ in range(3):
                self.assertEqual(server.get("/"), (200, b"Hello, World!"))
        finally:
            server.stop()


def get_raw(port, request):
    """The status code of the answer to `request`, sent whole on a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1])


class EmbeddedLoop:
    """A program serving its own Handler on one of the loops, beside a timer
    of its own, with a 1 KiB header limit (docs/examples/*_poll.cpp and
    uv_embedded.cpp)."""

    def check_program(self, binary, echo=False):
        server = ServerProcess([binary, "0"])
        try:
            first = server.get("/ticks")
            time.sleep(0.35)
            second = server.get("/ticks")
            self.assertEqual(first[0], 200)
            ticks = [int(re.match(rb"ticks (\d+), request (\d+)", body).group(1)) for _, body in (first, second)]
            self.assertGreaterEqual(ticks[1] - ticks[0], 2, (first, second))  # its own timer kept firing
            port = int(server.url.rsplit(":", 1)[1])
            big = b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 2048 + b"\r\n\r\n"
            self.assertEqual(get_raw(port, big), 431)
            self.assertEqual(get_raw(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"), 200)
            if echo:
                line = server.line()
                echo_port = int(re.search(r"echo on \S+:(\d+)", line).group(1))
                with socket.create_connection(("127.0.0.1", echo_port), timeout=10) as s:
                    s.sendall(b"ping")
                    self.assertEqual(s.recv(16), b"ping")
            # The program's own request, through the loop's client role.
            self.assertEqual(server.line().strip(), "client: 200")
        finally:
            self.assertEqual(server.stop(), 0)


class EpollPoll(unittest.TestCase, EmbeddedLoop):
    def test_run_once_from_the_programs_own_poll(self):
        self.check_program(ARGS.epoll_poll)


class UringPoll(unittest.TestCase, EmbeddedLoop):
    def test_run_once_from_the_programs_own_poll(self):
        self.check_program(ARGS.uring_poll)


class UvEmbedded(unittest.TestCase, EmbeddedLoop):
    def test_serves_beside_the_programs_own_timer_and_echo_server(self):
        self.check_program(ARGS.uv_embedded, echo=True)


# A program with its own llhttp (as node has one) beside wirestate's.
OWN_LLHTTP_MAIN = r"""
#include <llhttp.h>
#include <cstring>
#include <cstdio>
int wirestate_example_main();  // in_memory.cpp's main, renamed
int main() {
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  llhttp_t parser;
  llhttp_init(&parser, HTTP_REQUEST, &settings);
  const char* request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  if (llhttp_execute(&parser, request, std::strlen(request)) != HPE_OK) return 1;
  std::puts("own llhttp parsed a request");
  return wirestate_example_main();
}
"""


class Installed(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wirestate-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        run("cmake", "--install", ARGS.build, "--prefix", cls.prefix)
        cls.example = os.path.join(ARGS.source, "docs", "examples", "in_memory.cpp")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_installs_headers_library_and_package_files(self):
        files = []
        for root, _, names in os.walk(self.prefix):
            files += [os.path.relpath(os.path.join(root, n), self.prefix) for n in names]
        for wanted in ["include/wirestate/wirestate.hpp", "wirestateConfig.cmake", "wirestateConfigVersion.cmake",
                       "wirestateTargets.cmake", "wirestate.pc", "libwirestate.a",
                       "include/wirestate/epoll_loop.hpp", "include/wirestate/uring_loop.hpp",
                       "include/wirestate/uv_loop.hpp", "include/wirestate/loop.hpp",
                       "wirestateLoopTargets.cmake", "libwirestate-loop.a", "libwirestate-epoll.a",
                       "libwirestate-uring.a", "libwirestate-uv.a", "wirestate-epoll.pc", "wirestate-uring.pc",
                       "wirestate-uv.pc"]:
            self.assertTrue(any(f.endswith(wanted) for f in files), (wanted, files))
        self.assertFalse(any("llhttp" in f for f in files), files)
        # Nothing of the sample servers, and no private header of the loops.
        self.assertFalse([f for f in files if re.search(r"sample|access_log|server_main|loop_core|_steps", f)], files)

    def test_find_package(self):
        project = os.path.join(self.tmp, "find_package")
        os.makedirs(project)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write(textwrap.dedent(f"""\
                cmake_minimum_required(VERSION 3.22)
                project(consumer CXX)
                find_package(wirestate 0.1 REQUIRED)
                add_executable(in_memory {self.example})
                target_link_libraries(in_memory PRIVATE wirestate::wirestate)
                """))
        build = os.path.join(project, "build")
        # No C++ standard set here: wirestate's target asks for C++20 itself.
        run("cmake", "-S", project, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={self.prefix}")
        run("cmake", "--build", build)
        self.assertIn("hello from /docs", run(os.path.join(build, "in_memory")))

    LOOP_EXAMPLES = [("epoll", "epoll_poll.cpp", False), ("uring", "uring_poll.cpp", False),
                     ("uv", "uv_embedded.cpp", True)]

    def test_find_package_components_serve_from_the_programs_own_loop(self):
        project = os.path.join(self.tmp, "components")
        os.makedirs(project)
        examples = os.path.join(ARGS.source, "docs", "examples")
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.22)\nproject(consumer CXX)\n"
                    "find_package(wirestate 0.1 REQUIRED COMPONENTS epoll uring uv)\n")
            for component, source, _ in self.LOOP_EXAMPLES:
                f.write(f"add_executable({component} {os.path.join(examples, source)})\n"
                        f"target_link_libraries({component} PRIVATE wirestate::{component})\n")
        build = os.path.join(project, "build")
        run("cmake", "-S", project, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={self.prefix}")
        run("cmake", "--build", build)
        for component, _, echo in self.LOOP_EXAMPLES:
            with self.subTest(component):
                EmbeddedLoop.check_program(self, os.path.join(build, component), echo)

    def test_a_missing_component_is_named(self):
        project = os.path.join(self.tmp, "missing")
        os.makedirs(project)
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.22)\nproject(consumer CXX)\n"
                    "find_package(wirestate 0.1 REQUIRED COMPONENTS kqueue)\n")
        proc = subprocess.run(["cmake", "-S", project, "-B", os.path.join(project, "build"), "-G", "Ninja",
                               f"-DCMAKE_PREFIX_PATH={self.prefix}"], capture_output=True, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("kqueue", proc.stdout + proc.stderr)

    def test_pkg_config_modules_serve_from_the_programs_own_loop(self):
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(self.prefix, self._libdir(), "pkgconfig"))
        work = os.path.join(self.tmp, "pkg_config_loops")
        os.makedirs(work)
        examples = os.path.join(ARGS.source, "docs", "examples")
        for component, source, echo in self.LOOP_EXAMPLES:
            with self.subTest(component):
                flags = run("pkg-config", "--cflags", "--libs", f"wirestate-{component}", env=env).split()
                binary = os.path.join(work, component)
                run("g++", "-std=c++20", os.path.join(examples, source), *flags, "-o", binary)
                EmbeddedLoop.check_program(self, binary, echo)

    def test_pkg_config_beside_a_programs_own_llhttp(self):
        env = dict(os.environ, PKG_CONFIG_PATH=os.pathsep.join(
            os.path.dirname(os.path.join(self.prefix, p)) for p in self._pc_files()))
        flags = run("pkg-config", "--cflags", "--libs", "wirestate", env=env).split()
        work = os.path.join(self.tmp, "pkg_config")
        os.makedirs(work)
        objects = []
        for source in ["llhttp.c", "api.c", "http.c"]:
            obj = os.path.join(work, source + ".o")
            run("gcc", "-c", "-O1", "-I/usr/share/include/llhttp", os.path.join("/usr/share/llhttp", source), "-o", obj)
            objects.append(obj)
        main = os.path.join(work, "main.cpp")
        with open(main, "w") as f:
            f.write(OWN_LLHTTP_MAIN)
        example = os.path.join(work, "example.o")
        run("g++", "-std=c++20", "-c", "-Dmain=wirestate_example_main", self.example, *[x for x in flags if x.startswith("-I")],
            "-o", example)
        binary = os.path.join(work, "both")
        run("g++", "-std=c++20", "-I/usr/share/include/llhttp", main, example, *objects, *flags, "-o", binary)
        out = run(binary)
        self.assertIn("own llhttp parsed a request", out)
        self.assertIn("hello from /docs", out)

    def test_debian_package(self):
        out = run("cpack", "-G", "DEB", cwd=ARGS.build, timeout=600)
        debs = re.findall(r"package: (\S+\.deb) generated", out)
        self.assertTrue(debs, out)
        info = run("dpkg-deb", "--info", debs[0])
        self.assertIn("Package: libwirestate-dev", info)
        contents = run("dpkg-deb", "--contents", debs[0])
        for wanted in ["./usr/include/wirestate/server_connection.hpp", "libwirestate.a", "wirestateConfig.cmake",
                       "wirestate.pc", "./usr/include/wirestate/uv_loop.hpp", "libwirestate-uv.a",
                       "libwirestate-uring.a", "libwirestate-epoll.a", "wirestate-uv.pc", "wirestateLoopTargets.cmake"]:
            self.assertIn(wanted, contents)
        self.assertRegex(info, r"Depends:.*liburing-dev.*libuv1-dev")

    def test_shared_library_exports_only_wirestate(self):
        build = os.path.join(self.tmp, "shared")
        run("cmake", "-S", ARGS.source, "-B", build, "-G", "Ninja", "-DBUILD_SHARED_LIBS=ON",
            "-DWIRESTATE_TESTS=OFF", "-DWIRESTATE_ADAPTERS=OFF", "-DCMAKE_BUILD_TYPE=Release", timeout=300)
        run("cmake", "--build", build, "--target", "wirestate", timeout=900)
        library = os.path.join(build, "libwirestate.so.0.1.0")
        self.assertIn("libwirestate.so.0.1", run("readelf", "-d", library))
        symbols = run("nm", "-D", "--defined-only", "-C", library).splitlines()
        self.assertTrue(symbols)
        for line in symbols:
            name = line.split(" ", 2)[2]
            self.assertRegex(name, r"^(typeinfo for |typeinfo name for |vtable for |VTT for |non-virtual thunk to )?"
                                   r"wirestate::", line)
            # The public API only: no private helper, no type of the core.
            self.assertNotIn("detail", name, line)
        # A class with virtual functions defined in the library carries its
        # vtable out, or a program that constructs one cannot link.
        self.assertIn("vtable for wirestate::FreeListPool", "\n".join(symbols))
        # The renamed llhttp inside (wirestate_llhttp_execute, ...) stays local.
        self.assertFalse([s for s in symbols if " T llhttp" in s or "wirestate_llhttp" in s])
        self.assertIn("wirestate_llhttp_execute", run("nm", "--defined-only", library))

    def test_an_installed_release_archive_is_plain_code(self):
        """The static library a Release build installs holds no GCC bytecode
        (the build tree's is fat, for the project's own LTO links): a
        consumer's LTO link has nothing to warn about, and clang links it."""
        build = os.path.join(self.tmp, "release")
        prefix = os.path.join(self.tmp, "release-prefix")
        run("cmake", "-S", ARGS.source, "-B", build, "-G", "Ninja", "-DWIRESTATE_TESTS=OFF",
            "-DWIRESTATE_ADAPTERS=OFF", "-DCMAKE_BUILD_TYPE=Release", timeout=300)
        run("cmake", "--build", build, "--target", "wirestate", timeout=900)
        self.assertIn(".gnu.lto", run("readelf", "-S", "-W", os.path.join(build, "libwirestate.a")))
        run("cmake", "--install", build, "--prefix", prefix)
        archive = next(os.path.join(root, n) for root, _, names in os.walk(prefix) for n in names
                       if n == "libwirestate.a")
        self.assertNotIn(".gnu.lto", run("readelf", "-S", "-W", archive))
        include = os.path.join(prefix, "include")
        for compiler, extra in [("g++", ["-flto"]), ("clang++", [])]:
            with self.subTest(compiler):
                binary = os.path.join(self.tmp, f"in_memory_{compiler}")
                proc = subprocess.run([compiler, "-std=c++20", "-O2", *extra, "-I", include, self.example, archive,
                                       "-o", binary], capture_output=True, text=True, timeout=300)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertNotIn("lto-wrapper", proc.stderr)
                self.assertIn("hello from /docs", run(binary))

    def _libdir(self):
        return next(p for p in ["lib", "lib64", "lib/x86_64-linux-gnu"]
                    if os.path.exists(os.path.join(self.prefix, p, "pkgconfig", "wirestate.pc")))

    def _pc_files(self):
        for root, _, names in os.walk(self.prefix):
            for n in names:
                if n == "wirestate.pc":
                    yield os.path.relpath(os.path.join(root, n), self.prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocking", required=True)
    parser.add_argument("--epoll-poll", required=True)
    parser.add_argument("--uring-poll", required=True)
    parser.add_argument("--uv-embedded", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--build", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], "-v", *rest])
