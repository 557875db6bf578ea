# Every external dependency is found here, once. scripts/install-deps.sh installs the Debian
# packages that provide them; ../shared/reference/build-facts.md says how CMake finds each.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)   # librdkafka 2.0.2 incl. rdkafka_mock.h
find_package(Protobuf REQUIRED)                 # CMake's FindProtobuf: protobuf::libprotobuf, protobuf::protoc
pkg_check_modules(THRIFT REQUIRED IMPORTED_TARGET thrift)
find_program(THRIFT_COMPILER thrift REQUIRED)
find_package(Boost REQUIRED)                    # Thrift's C++ headers include Boost
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(simdjson REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)

if(TIDEMARK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(TIDEMARK_BUILD_BENCH)
  find_package(benchmark REQUIRED CONFIG)
endif()

# Batch compression, for the size-after-compression figures (bench/, `tidemark formats`).
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(ZLIB REQUIRED)
find_library(SNAPPY_LIBRARY snappy REQUIRED)
find_path(SNAPPY_INCLUDE_DIR snappy.h REQUIRED)
add_library(tidemark_snappy INTERFACE)
target_link_libraries(tidemark_snappy INTERFACE ${SNAPPY_LIBRARY})
target_include_directories(tidemark_snappy SYSTEM INTERFACE ${SNAPPY_INCLUDE_DIR})

# The tidemark binary's allocator (cli/CMakeLists.txt says why); sanitizer builds keep theirs.
set(TIDEMARK_LINKS_MIMALLOC OFF)
if(TIDEMARK_MIMALLOC AND NOT TIDEMARK_SANITIZERS AND NOT TIDEMARK_BUILD_FUZZ)
  find_package(mimalloc 2.0 REQUIRED CONFIG)    # libmimalloc-dev: target mimalloc (shared)
  set(TIDEMARK_LINKS_MIMALLOC ON)
endif()
