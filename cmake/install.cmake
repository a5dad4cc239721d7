# Install rules: headers, the library, a CMake package exporting
# wirestate::wirestate, a pkg-config file, and a Debian package of all of
# them (cpack -G DEB: libwirestate-dev).
include(CMakePackageConfigHelpers)

install(TARGETS wirestate EXPORT wirestateTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/wirestate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(WIRESTATE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/wirestate)
install(EXPORT wirestateTargets NAMESPACE wirestate:: DESTINATION ${WIRESTATE_CMAKE_DIR})
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

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libwirestate-dev)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "wirestate maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "HTTP/1.1 as a pure connection state machine (C++20): headers, static library, CMake and pkg-config files")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/packages)
include(CPack)
