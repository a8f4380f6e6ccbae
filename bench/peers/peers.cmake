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

# tokio-tasks: build/tokio-simul, the Rust tokio peer, offline from Debian's crate sources
# (librust-tokio-dev and its dependencies in /usr/share/cargo/registry, a directory source as
# Debian's own packaging uses). Debian's cargo and rustc first: a rustup toolchain earlier on
# PATH is newer than the crates Debian ships were checked against. The crate is copied under
# the build tree, so Cargo.lock and every cache stay there too.
find_program(SIMUL_CARGO cargo PATHS /usr/bin NO_DEFAULT_PATH)
find_program(SIMUL_CARGO cargo)
file(GLOB simul_tokio_crate /usr/share/cargo/registry/tokio-1.*)
if(SIMUL_CARGO AND simul_tokio_crate)
  get_filename_component(simul_cargo_dir ${SIMUL_CARGO} DIRECTORY)
  find_program(SIMUL_RUSTC rustc PATHS ${simul_cargo_dir} NO_DEFAULT_PATH)
  find_program(SIMUL_RUSTC rustc)
  set(simul_tokio_dir ${CMAKE_BINARY_DIR}/tokio-src)
  file(MAKE_DIRECTORY ${simul_tokio_dir}) # the build runs in it: it must be there before its first step
  file(WRITE ${CMAKE_BINARY_DIR}/cargo-home/config.toml
    "[source.crates-io]\nreplace-with = \"debian\"\n[source.debian]\ndirectory = \"/usr/share/cargo/registry\"\n[net]\noffline = true\n")
  file(GLOB simul_tokio_src CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/rust/src/*.rs
       ${CMAKE_CURRENT_LIST_DIR}/rust/Cargo.toml ${CMAKE_CURRENT_LIST_DIR}/rust/build.rs)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/tokio-simul
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${CMAKE_CURRENT_LIST_DIR}/rust/src ${simul_tokio_dir}/src
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_LIST_DIR}/rust/Cargo.toml ${CMAKE_CURRENT_LIST_DIR}/rust/build.rs ${simul_tokio_dir}/
    COMMAND ${CMAKE_COMMAND} -E env CARGO_HOME=${CMAKE_BINARY_DIR}/cargo-home CARGO_TARGET_DIR=${CMAKE_BINARY_DIR}/tokio-target
            RUSTC=${SIMUL_RUSTC} RUSTFLAGS= ${SIMUL_CARGO} build --release --offline --quiet
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_BINARY_DIR}/tokio-target/release/tokio-simul ${CMAKE_BINARY_DIR}/tokio-simul
    WORKING_DIRECTORY ${simul_tokio_dir}
    DEPENDS ${simul_tokio_src}
    COMMENT "tokio-tasks: building tokio-simul (cargo, offline, Debian's crates)"
    VERBATIM)
  add_custom_target(peer_tokio ALL DEPENDS ${CMAKE_BINARY_DIR}/tokio-simul)
  message(STATUS "tokio-tasks: tokio-simul built by ${SIMUL_CARGO} from ${simul_tokio_crate}")
else()
  message(STATUS "tokio-tasks skipped: install rustc cargo librust-tokio-dev")
endif()

# c-libuv-floor: the plain libuv program a sleeping task is measured against (one timer per
# task, callbacks), printing simul's record for the sleep workload.
add_executable(c-libuv-floor ${CMAKE_CURRENT_LIST_DIR}/c/uv_sleep.c)
target_link_libraries(c-libuv-floor PRIVATE PkgConfig::LIBUV m)
