# Finds llhttp and provides the imported target LLHTTP::llhttp.
#
# A system llhttp CMake package is preferred when one is installed. Otherwise
# the C sources that Debian's node-llhttp package installs are compiled into a
# static library, in strict mode (LLHTTP_STRICT_MODE=1): wirestate never parses
# leniently. Set LLHTTP_SOURCE_DIR / LLHTTP_INCLUDE_DIR to point elsewhere.
include(FindPackageHandleStandardArgs)

find_package(llhttp CONFIG QUIET)
if(llhttp_FOUND AND NOT TARGET LLHTTP::llhttp)
  foreach(candidate llhttp::llhttp_static llhttp::llhttp llhttp_static llhttp)
    if(TARGET ${candidate})
      add_library(LLHTTP::llhttp ALIAS ${candidate})
      break()
    endif()
  endforeach()
endif()

if(NOT TARGET LLHTTP::llhttp)
  find_path(LLHTTP_INCLUDE_DIR llhttp.h
    HINTS ${LLHTTP_INCLUDE_DIR} PATHS /usr/share/include/llhttp /usr/include /usr/local/include)
  find_path(LLHTTP_SOURCE_DIR llhttp.c
    HINTS ${LLHTTP_SOURCE_DIR} PATHS /usr/share/llhttp)
  find_package_handle_standard_args(LLHTTP
    REQUIRED_VARS LLHTTP_INCLUDE_DIR LLHTTP_SOURCE_DIR
    FAIL_MESSAGE "llhttp not found: install Debian's node-llhttp package (apt-get install node-llhttp)")
  if(LLHTTP_FOUND)
    add_library(wirestate_llhttp STATIC
      ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c)
    set_target_properties(wirestate_llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
    target_include_directories(wirestate_llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
    target_compile_definitions(wirestate_llhttp PUBLIC LLHTTP_STRICT_MODE=1)
    # Generated code: its warnings are not ours to fix.
    target_compile_options(wirestate_llhttp PRIVATE -w)
    # llhttp's parser is one 22 KiB function whose speed moved by up to 20%
    # with the address the link happened to give it (measured over shifted
    # links, docs/performance.md "Code layout"). Starting each function on a
    # cache line fixes its layout: every build parses at the same speed, and
    # that speed is the fast end of the range.
    target_compile_options(wirestate_llhttp PRIVATE -falign-functions=64)
    add_library(LLHTTP::llhttp ALIAS wirestate_llhttp)
  endif()
else()
  set(LLHTTP_FOUND TRUE)
endif()
