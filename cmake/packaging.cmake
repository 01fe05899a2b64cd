# cmake/packaging.cmake: what `cmake --install` puts beside the targets (the example scenarios, the
# package config find_package(racewin) reads) and the Debian packages `cpack` makes from it.
# Included once, at the end of the top-level CMakeLists.txt. Components: racewin (the tool) and dev.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/racewin/scenarios
        COMPONENT racewin FILES_MATCHING PATTERN "*.toml" PATTERN "README.md")

# racewin::engine (engine/CMakeLists.txt exports it), its config and version files.
set(RW_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/racewin)
set(RW_BOOST_MIN 1.74)
install(EXPORT racewinTargets NAMESPACE racewin:: DESTINATION ${RW_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/racewinConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/racewinConfig.cmake INSTALL_DESTINATION ${RW_CMAKE_DIR})
# 0.x: a minor release may change the engine's API, so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/racewinConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/racewinConfig.cmake ${PROJECT_BINARY_DIR}/racewinConfigVersion.cmake
        DESTINATION ${RW_CMAKE_DIR} COMPONENT dev)

# Debian packages: racewin (its library dependencies found by dpkg-shlibdeps, which needs `file`:
# scripts/setup.sh --install) and racewin-dev. `racewin scan` reads C through Coccinelle's spatch.
set(RW_PACKAGE_CONTACT "racewin maintainers <racewin@localhost>" CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME racewin)
set(CPACK_PACKAGE_CONTACT "${RW_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "race-window model checker for Linux kernel-module lifetime protocols")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL racewin dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RACEWIN_PACKAGE_NAME racewin)
set(CPACK_DEBIAN_RACEWIN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RACEWIN_PACKAGE_RECOMMENDS "coccinelle")
set(CPACK_COMPONENT_RACEWIN_DESCRIPTION
    "race-window model checker for Linux kernel-module lifetime protocols
racewin explores every interleaving of a module's callbacks, the processes that use it and rmmod,
and answers whether rmmod can pull the module out from under its code, with the smallest trace
that shows it. Example scenarios are in /usr/share/racewin/scenarios; racewin scan (which needs
coccinelle) classifies the self-references of a kernel tree.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME racewin-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libboost-context-dev (>= 1.74), libfmt-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++ (>= 4:12)")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "racewin's model-checking engine, to write models against
The static library racewin::engine, its headers and a CMake package config: find_package(racewin)
in a C++23 project, a Program with fibers that announce their shared accesses, and explore().")
include(CPack)
