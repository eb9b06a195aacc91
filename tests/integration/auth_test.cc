// Accounts, sessions, anonymous keys and permissions on the real binary with SQLite.

#include "tests/integration/auth_integration_tests.h"
#include "tests/integration/auth_matrix_tests.h"
#include "tests/integration/sqlite_storage.h"

namespace hub {

INSTANTIATE_TEST_SUITE_P(Sqlite, AuthIntegrationTest, ::testing::Values(Sqlite()), HubBackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, AuthMatrixTest, ::testing::Values(Sqlite()), HubBackendName);

}  // namespace hub
