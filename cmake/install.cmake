# Install rules: headers, the library, a CMake package exporting
# wirestate::wirestate, a pkg-config file, and a Debian package of all of
# them (cpack -G DEB: libwirestate-dev). With the adapters, the loop
# libraries too: the package's components epoll, uring and uv
# (find_package(wirestate COMPONENTS uv) gives wirestate::uv), each with a
# pkg-config module (wirestate-uv), on the skeleton they share
# (wirestate::loop, wirestate-loop).
include(CMakePackageConfigHelpers)

install(TARGETS wirestate EXPORT wirestateTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/wirestate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(WIRESTATE_FAT_LTO)
  # The installed archive keeps the fat objects' plain code and loses their
  # GCC bytecode (CMakeLists.txt says why).
  install(CODE "
    set(archive \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:wirestate>\")
    execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.gnu.lto_* --remove-section=.gnu.debuglto_*
                            \"\${archive}\" COMMAND_ERROR_IS_FATAL ANY)
    execute_process(COMMAND \"${CMAKE_RANLIB}\" \"\${archive}\" COMMAND_ERROR_IS_FATAL ANY)")
endif()
if(WIRESTATE_ADAPTERS)
  install(TARGETS wirestate_loop wirestate_epoll wirestate_uring wirestate_uv EXPORT wirestateLoopTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  foreach(dir common epoll io_uring libuv)
    install(DIRECTORY adapters/${dir}/include/wirestate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  endforeach()
endif()

set(WIRESTATE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/wirestate)
install(EXPORT wirestateTargets NAMESPACE wirestate:: DESTINATION ${WIRESTATE_CMAKE_DIR})
if(WIRESTATE_ADAPTERS)
  install(EXPORT wirestateLoopTargets NAMESPACE wirestate:: DESTINATION ${WIRESTATE_CMAKE_DIR})
endif()
configure_package_config_file(cmake/wirestateConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/wirestateConfig.cmake
  INSTALL_DESTINATION ${WIRESTATE_CMAKE_DIR})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/wirestateConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wirestateConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/wirestateConfigVersion.cmake
  DESTINATION ${WIRESTATE_CMAKE_DIR})

# pkg-config: the static library needs nothing else (llhttp is inside it).
set(WIRESTATE_PC_REQUIRES_PRIVATE "")
if(LLHTTP_FROM_PACKAGE)
  set(WIRESTATE_PC_REQUIRES_PRIVATE "libllhttp")
endif()
# The prefix is found from where the file lies, so any --prefix given at
# install time (or cpack's /usr) holds.
file(RELATIVE_PATH WIRESTATE_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" WIRESTATE_PC_TO_PREFIX "${WIRESTATE_PC_TO_PREFIX}")
configure_file(cmake/wirestate.pc.in ${CMAKE_CURRENT_BINARY_DIR}/wirestate.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wirestate.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(WIRESTATE_ADAPTERS)
  # name: what it requires, its summary
  foreach(entry "loop|wirestate|the event-loop skeleton the loop libraries share"
                "epoll|wirestate-loop|the epoll loop"
                "uring|wirestate-loop, liburing|the io_uring loop"
                "uv|wirestate-loop, libuv|the libuv loop, on the embedder's uv_loop_t")
    string(REPLACE "|" ";" entry "${entry}")
    list(GET entry 0 WIRESTATE_PC_NAME)
    list(GET entry 1 WIRESTATE_PC_REQUIRES)
    list(GET entry 2 WIRESTATE_PC_SUMMARY)
    configure_file(cmake/wirestate-loop.pc.in ${CMAKE_CURRENT_BINARY_DIR}/wirestate-${WIRESTATE_PC_NAME}.pc @ONLY)
    install(FILES ${CMAKE_CURRENT_BINARY_DIR}/wirestate-${WIRESTATE_PC_NAME}.pc
            DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  endforeach()
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libwirestate-dev)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "wirestate maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTTP/1.1 as a pure connection state machine (C++20): headers, static libraries, CMake and pkg-config files")
if(WIRESTATE_ADAPTERS)
  # The loop libraries' consumers link liburing and libuv (their -dev
  # packages carry the link names and the uv.h a libuv embedder includes).
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "liburing-dev (>= 2.3), libuv1-dev (>= 1.44)")
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/packages)
include(CPack)
