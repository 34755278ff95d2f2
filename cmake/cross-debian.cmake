# CMake toolchain file: a cross build for another Debian 12 architecture with Debian's cross
# compiler (g++-aarch64-linux-gnu, g++-x86-64-linux-gnu) against a sysroot of the target's
# unpacked -dev packages (scripts/install-deps.sh --cross=ARCH makes both and prints the sysroot):
#
#   cmake -S . -B build-arm64 -G Ninja --toolchain cmake/cross-debian.cmake \
#     -DACCESSLOG_TARGET_ARCH=arm64 -DACCESSLOG_SYSROOT="$(scripts/install-deps.sh --cross=arm64)"
#
# Programs that run at build time are this machine's (protoc: Debian's, the same version as the
# sysroot's libprotobuf). ctest runs the target's test binaries through
# CMAKE_CROSSCOMPILING_EMULATOR, qemu-user with -L the sysroot (its dynamic loader and
# libraries), when qemu-<cpu>-static is installed (Debian package qemu-user-static).
set(ACCESSLOG_TARGET_ARCH arm64 CACHE STRING "Debian architecture to build for (arm64, amd64)")
set(ACCESSLOG_SYSROOT "" CACHE PATH "Sysroot of the target's unpacked -dev packages")
# try_compile projects read this file again: hand them the two settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ACCESSLOG_TARGET_ARCH ACCESSLOG_SYSROOT)

if(ACCESSLOG_TARGET_ARCH STREQUAL "arm64")
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
elseif(ACCESSLOG_TARGET_ARCH STREQUAL "amd64")
  set(CMAKE_SYSTEM_PROCESSOR x86_64)
else()
  message(FATAL_ERROR "ACCESSLOG_TARGET_ARCH=${ACCESSLOG_TARGET_ARCH}: arm64 or amd64")
endif()
if(NOT IS_DIRECTORY "${ACCESSLOG_SYSROOT}/usr/lib/${CMAKE_SYSTEM_PROCESSOR}-linux-gnu")
  message(FATAL_ERROR "ACCESSLOG_SYSROOT='${ACCESSLOG_SYSROOT}' holds no ${ACCESSLOG_TARGET_ARCH} "
                      "libraries: make it with scripts/install-deps.sh --cross=${ACCESSLOG_TARGET_ARCH}")
endif()
set(triplet ${CMAKE_SYSTEM_PROCESSOR}-linux-gnu)

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${triplet}-gcc)
set(CMAKE_CXX_COMPILER ${triplet}-g++)
set(CMAKE_SYSROOT ${ACCESSLOG_SYSROOT})
# Headers, libraries and CMake packages from the sysroot only; programs from this machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config (re2, cpp-httplib) reads the sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${ACCESSLOG_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR}
    "${ACCESSLOG_SYSROOT}/usr/lib/${triplet}/pkgconfig:${ACCESSLOG_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(ACCESSLOG_QEMU qemu-${CMAKE_SYSTEM_PROCESSOR}-static)
if(ACCESSLOG_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${ACCESSLOG_QEMU} -L ${ACCESSLOG_SYSROOT})
endif()
