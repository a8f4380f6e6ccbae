# SPDX-License-Identifier: MIT
# peers.cmake: builds build/go-simul, the Go peer, when a Go toolchain is there (include()d by CMakeLists.txt).
# Offline and as any user: the standard library only, caches under the build tree, no proxy.
find_program(SIMUL_GO go)
if(SIMUL_GO)
  file(GLOB simul_go_src CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/go/*.go ${CMAKE_CURRENT_LIST_DIR}/go/go.mod)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/go-simul
    COMMAND ${CMAKE_COMMAND} -E env GOCACHE=${CMAKE_BINARY_DIR}/go-cache GOPATH=${CMAKE_BINARY_DIR}/go-path
            GOENV=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on CGO_ENABLED=0
            ${SIMUL_GO} build -trimpath -o ${CMAKE_BINARY_DIR}/go-simul .
    WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/go
    DEPENDS ${simul_go_src}
    COMMENT "go-goroutines: building go-simul"
    VERBATIM)
  add_custom_target(peer_go ALL DEPENDS ${CMAKE_BINARY_DIR}/go-simul)
  message(STATUS "go-goroutines: go-simul built by ${SIMUL_GO}")
else()
  message(STATUS "go-goroutines skipped: install golang-go")
endif()

# c-libuv-floor: the plain libuv program a sleeping task is measured against (one timer per
# task, callbacks), printing simul's record for the sleep workload.
add_executable(c-libuv-floor ${CMAKE_CURRENT_LIST_DIR}/c/uv_sleep.c)
target_link_libraries(c-libuv-floor PRIVATE PkgConfig::LIBUV m)
