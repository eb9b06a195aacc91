// Work requests end to end on the real binary with PostgreSQL, and several hubs sharing one
// database.

#include "tests/integration/postgres_storage.h"
#include "tests/jobs/work_request_tests.h"

namespace hub {

INSTANTIATE_TEST_SUITE_P(Postgres, WorkRequestTest, ::testing::Values(Postgres()), HubBackendName);

}  // namespace hub
