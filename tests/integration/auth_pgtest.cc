// Accounts, sessions, anonymous keys and permissions on the real binary with PostgreSQL: each
// test gets a schema of its own on the server named by HUB_TEST_PG_DSN.

#include "tests/integration/auth_integration_tests.h"
#include "tests/integration/auth_matrix_tests.h"
#include "tests/integration/postgres_storage.h"

namespace hub {

INSTANTIATE_TEST_SUITE_P(Postgres,
                         AuthIntegrationTest,
                         ::testing::Values(Postgres()),
                         HubBackendName);
INSTANTIATE_TEST_SUITE_P(Postgres, AuthMatrixTest, ::testing::Values(Postgres()), HubBackendName);

}  // namespace hub
