#include "hub/auth/permission.h"

#include "gtest/gtest.h"

namespace hub::auth {
namespace {

TEST(PermissionTest, NamesRoundTrip) {
  for (Permission p : kAllPermissions) {
    EXPECT_EQ(ParsePermission(PermissionName(p)), p);
  }
  EXPECT_EQ(ParsePermission(" manage_users "), Permission::kManageUsers);
  EXPECT_FALSE(ParsePermission("ROOT").has_value());
}

TEST(PermissionTest, AdminImpliesEveryPermission) {
  PermissionSet admin{Permission::kAdmin};

  for (Permission p : kAllPermissions) {
    EXPECT_TRUE(admin.Has(p)) << PermissionName(p);
  }
  EXPECT_FALSE(admin.Contains(Permission::kManageUsers));
}

TEST(PermissionTest, CoversMeansGrantsEverythingTheOtherGrants) {
  PermissionSet viewer{Permission::kViewModels};
  PermissionSet manager{Permission::kManageUsers, Permission::kViewModels};

  EXPECT_TRUE(manager.Covers(viewer));
  EXPECT_FALSE(viewer.Covers(manager));
  EXPECT_FALSE(manager.Covers(PermissionSet{Permission::kAdmin}));
  EXPECT_TRUE(PermissionSet{Permission::kAdmin}.Covers(manager));
}

TEST(PermissionTest, WithIsTheUnion) {
  PermissionSet both = PermissionSet{Permission::kViewModels}.With({Permission::kK8sAdmin});

  EXPECT_TRUE(both.Contains(Permission::kViewModels));
  EXPECT_TRUE(both.Contains(Permission::kK8sAdmin));
  EXPECT_FALSE(both.Contains(Permission::kAdmin));
}

TEST(PermissionTest, JsonIsCanonicalAndParsed) {
  PermissionSet set{Permission::kAdmin, Permission::kViewModels};

  EXPECT_EQ(set.ToJson(), R"(["VIEW_MODELS","ADMIN"])");
  EXPECT_EQ(PermissionSet().ToJson(), "[]");
  EXPECT_EQ(*PermissionSet::FromJson(R"(["ADMIN", "VIEW_MODELS"])"), set);
}

TEST(PermissionTest, BadInputNamesTheProblem) {
  auto unknown = PermissionSet::FromNames({"VIEW_MODELS", "SUPERUSER"});
  auto not_array = PermissionSet::FromJson(R"({"a":1})");

  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("SUPERUSER"), std::string::npos);
  EXPECT_FALSE(not_array.ok());
}

TEST(PermissionTest, ListSettingParses) {
  auto set = PermissionSet::FromList("VIEW_MODELS, SUBMIT_WORK_REQUESTS,");

  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->Names(), (std::vector<std::string>{"VIEW_MODELS", "SUBMIT_WORK_REQUESTS"}));
  EXPECT_TRUE(PermissionSet::FromList("")->empty());
}

}  // namespace
}  // namespace hub::auth
