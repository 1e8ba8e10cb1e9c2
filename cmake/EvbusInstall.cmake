# cmake --install, the CMake package (evbusConfig.cmake, target evbus::evbus),
# pkg-config (evbus.pc) and cpack -G DEB. docs/install.md describes the
# installed layout; tests/install/ checks it from outside the tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# `cmake --install` and cpack install what is built; they never start a
# build themselves (cpack's preinstall step would otherwise build every
# target of the build directory first).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The five layer libraries, top layer first: the link order of a static link.
set(EVBUS_INSTALLED_LIBRARIES evbus_stream evbus_persist evbus_shm evbus_core evbus_base)
set(EVBUS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/evbus)

install(TARGETS evbus evbus_persister RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${EVBUS_INSTALLED_LIBRARIES} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# The public headers: exactly the list in cmake/public_headers.txt, each at
# include/evbus/<its path in the repository>, so that their own includes
# ("core/event.h") resolve with -I<prefix>/include/evbus.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/public_headers.txt evbus_public_headers REGEX "^[^#]")
foreach(header ${evbus_public_headers})
  get_filename_component(header_dir ${header} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/${header}
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/evbus/${header_dir})
endforeach()

# evbusConfig.cmake and its version file. Compatibility: same minor version
# (0.x makes no promise across minor versions).
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/evbusConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/evbusConfig.cmake
                              INSTALL_DESTINATION ${EVBUS_CMAKE_DIR}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/evbusConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/evbusConfig.cmake ${PROJECT_BINARY_DIR}/evbusConfigVersion.cmake
        DESTINATION ${EVBUS_CMAKE_DIR})

# evbus.pc finds the prefix from its own place (${pcfiledir}), so the
# same file serves any --prefix and the .deb.
file(RELATIVE_PATH EVBUS_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" EVBUS_PC_TO_PREFIX "${EVBUS_PC_TO_PREFIX}")
string(REPLACE ";" " -l" EVBUS_PC_LIBS "-l${EVBUS_INSTALLED_LIBRARIES}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/evbus.pc.in ${PROJECT_BINARY_DIR}/evbus.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/evbus.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# cpack -G DEB: one package, evbus, with everything above (and the Python
# package, when python/ installs it) under /usr. Its Depends come from
# dpkg-shlibdeps (dpkg-dev) reading the installed executables and modules;
# without dpkg-shlibdeps, from the fixed list below.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME evbus)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "evbus")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "lock-free shared-memory event bus: OpenHands' EventStream for processes on one host")
set(CPACK_PACKAGE_DESCRIPTION
    "The evbus command line, the persister, the C++ library with its headers, CMake package "
    "and pkg-config file, and the Python module.")
set(EVBUS_PACKAGE_MAINTAINER "evbus maintainers" CACHE STRING "The .deb's Maintainer field")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${EVBUS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # as Debian packages are; the build directory keeps the symbols
set(evbus_deb_depends "")
# The condition under which the top CMakeLists.txt adds python/.
if(EVBUS_BUILD_PYTHON AND EVBUS_SANITIZE STREQUAL "" AND EXISTS ${PROJECT_SOURCE_DIR}/python/CMakeLists.txt)
  set(evbus_deb_depends "python3")
endif()
find_program(EVBUS_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(EVBUS_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  list(PREPEND evbus_deb_depends "libc6" "libgcc-s1" "libstdc++6" "libmimalloc2.0" "libhyperscan5")
endif()
string(REPLACE ";" ", " CPACK_DEBIAN_PACKAGE_DEPENDS "${evbus_deb_depends}")
include(CPack)

# tests/install/: not under a sanitizer (every consumer would need the
# sanitizer's runtime) nor in a fuzz build.
if(EVBUS_BUILD_TESTS AND EVBUS_SANITIZE STREQUAL "" AND NOT EVBUS_FUZZ)
  set(evbus_install_test ${PROJECT_SOURCE_DIR}/tests/install/install_test.py)
  set(evbus_install_args --build-dir ${PROJECT_BINARY_DIR} --source-dir ${PROJECT_SOURCE_DIR}
                         --cxx ${CMAKE_CXX_COMPILER})
  if(evbus_deb_depends MATCHES "python3")
    list(APPEND evbus_install_args --expect-python)
  endif()
  foreach(check find_package pkg_config deb)
    add_test(NAME install_${check}
             COMMAND Python3::Interpreter ${evbus_install_test} ${check} ${evbus_install_args})
    set_tests_properties(install_${check} PROPERTIES LABELS unit TIMEOUT 300)
  endforeach()
  add_test(NAME install_public_headers
           COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tests/install/public_headers_check.py
                   ${PROJECT_SOURCE_DIR})
  add_test(NAME install_public_headers_self_test
           COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tests/install/public_headers_check.py
                   --self-test)
  set_tests_properties(install_public_headers install_public_headers_self_test
                       PROPERTIES LABELS unit)
endif()
