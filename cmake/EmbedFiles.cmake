# hub_embed_files(<out_var> FUNCTION <qualified name> BASE_DIR <dir> FILES <relative paths...>)
#
# Generates a C++ source defining `std::span<const hub::common::EmbeddedFile> <name>()` that
# holds the files' contents, so the binary needs no data directory at run time. The source is
# regenerated when a file changes; its path is stored in <out_var> for a target's SRCS.
function(hub_embed_files out_var)
  cmake_parse_arguments(ARG "" "FUNCTION;BASE_DIR" "FILES" ${ARGN})
  string(MAKE_C_IDENTIFIER "${ARG_FUNCTION}" stem)
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${stem}_embedded.cc")
  set(paths "")
  foreach(file IN LISTS ARG_FILES)
    list(APPEND paths "${ARG_BASE_DIR}/${file}")
  endforeach()
  string(REPLACE ";" "|" files_arg "${ARG_FILES}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DBASE_DIR=${ARG_BASE_DIR}
            -DFUNCTION=${ARG_FUNCTION} -DFILES=${files_arg}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    DEPENDS ${paths} ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    COMMENT "Embedding ${ARG_FUNCTION}"
    VERBATIM)
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
