// Work requests end to end on the real binary with SQLite.

#include "tests/integration/sqlite_storage.h"
#include "tests/jobs/work_request_fault_tests.h"
#include "tests/jobs/work_request_tests.h"

namespace hub {

INSTANTIATE_TEST_SUITE_P(Sqlite, WorkRequestTest, ::testing::Values(Sqlite()), HubBackendName);

}  // namespace hub
