# Target helpers: one static library per folder, named tidemark_<folder> with alias
# tidemark::<folder>, public headers under <folder>/include/tidemark/<folder>/.

set(TIDEMARK_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang (the fuzz build) counts librdkafka's RD_KAFKA_V_* macros, which are GNU statement
  # expressions, against -Wpedantic; GCC does not.
  list(APPEND TIDEMARK_WARNINGS -Wno-gnu-statement-expression)
endif()

# tidemark_library(<folder> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
function(tidemark_library folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target tidemark_${folder})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(tidemark::${folder} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                       PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(${target} PRIVATE ${TIDEMARK_WARNINGS})
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# tidemark_test(<name> SOURCES ... DEPS ... LABELS ...): one GoogleTest binary, its tests
# registered individually with CTest.
function(tidemark_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${TIDEMARK_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  tidemark_tsan_support(${name})
  include(GoogleTest)
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()

# tidemark_tsan_support(<executable>): in a ThreadSanitizer build, links tests/tsan/c11_threads.cc
# into the executable so that librdkafka's C11 threads and locks go through the pthread functions
# TSan intercepts (that file says why). Every executable that can load librdkafka needs it.
function(tidemark_tsan_support target)
  if(TIDEMARK_SANITIZERS MATCHES "thread")
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/tsan/c11_threads.cc)
  endif()
endfunction()
