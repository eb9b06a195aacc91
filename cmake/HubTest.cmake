# hub_library(NAME SRCS ... DEPS ...): one static library per module, with an explicit
# source list. Include paths are rooted at src/ so that includes read "hub/<module>/<file>.h".
function(hub_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# hub_test(NAME SRCS ... DEPS ... [LABELS ...]): a GoogleTest binary registered with ctest.
# Tests named *_pgtest get the "postgres" label; the test runner starts a PostgreSQL server
# for them (tests/support/with_postgres.sh) and CI never skips them.
function(hub_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  set(timeout 300)
  if(ARG_TIMEOUT)
    set(timeout ${ARG_TIMEOUT})
  endif()
  set(labels ${ARG_LABELS})
  if(name MATCHES "_pgtest$")
    list(APPEND labels postgres)
  endif()
  if(NOT labels)
    set(labels unit)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      TIMEOUT ${timeout}
      LABELS "${labels}"
      # Two properties, one variable each: gtest_discover_tests splits a list value, so
      # "A=1;B=2" in ENVIRONMENT would leave the discovered tests with only A.
      ENVIRONMENT "HUB_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      ENVIRONMENT_MODIFICATION "HUB_BINARY=set:$<TARGET_FILE:ersilia-hub>")
endfunction()

include(GoogleTest)
