# Every third-party dependency comes from a Debian 12 package (scripts/setup.sh installs them).
# Packages without a CMake config get a hand-made imported target here, so module CMake files
# only ever name targets.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(absl REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(simdjson REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)

pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(UUID REQUIRED IMPORTED_TARGET uuid)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)

# RDKit 2022.09 ships neither a CMake config nor a .pc file, and its headers need Boost.
find_path(RDKIT_INCLUDE_DIR GraphMol/GraphMol.h PATH_SUFFIXES rdkit REQUIRED)
add_library(RDKit::RDKit INTERFACE IMPORTED)
target_include_directories(RDKit::RDKit SYSTEM INTERFACE ${RDKIT_INCLUDE_DIR})
foreach(component
    Descriptors Fingerprints SmilesParse GraphMol DataStructs RDGeneral SubstructMatch
    ReducedGraphs PartialCharges Subgraphs FileParsers ChemTransforms MolStandardize
    RDGeometryLib)
  find_library(RDKIT_${component}_LIB RDKit${component} REQUIRED)
  target_link_libraries(RDKit::RDKit INTERFACE ${RDKIT_${component}_LIB})
endforeach()
target_link_libraries(RDKit::RDKit INTERFACE Boost::headers)
