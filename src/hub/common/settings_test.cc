#include "hub/common/settings.h"

#include <fstream>
#include <map>

#include "gtest/gtest.h"

namespace hub::common {
namespace {

class SettingsTest : public ::testing::Test {
protected:
  void SetUp() override {
    settings_.Define({"http.port",
                      {"HUB_HTTP_PORT", "API_PORT"},
                      "8080",
                      "port",
                      false,
                      [this](std::string_view v) -> absl::Status {
                        auto n = ParseIntSetting(v, 0, 65535);
                        if (!n.ok()) {
                          return n.status();
                        }
                        port_ = static_cast<int>(*n);
                        return absl::OkStatus();
                      }});
    settings_.Define({"database.password",
                      {"DATABASE_PASSWORD"},
                      "",
                      "password",
                      true,
                      [this](std::string_view v) {
                        password_ = std::string(v);
                        return absl::OkStatus();
                      }});
  }

  std::function<const char*(const char*)> Env(std::map<std::string, std::string> values) {
    env_ = std::move(values);
    return [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
  }

  Settings settings_;
  std::map<std::string, std::string> env_;
  int port_ = 0;
  std::string password_;
};

TEST_F(SettingsTest, FlagsBeatEnvironmentBeatsFileBeatsDefault) {
  std::string path = ::testing::TempDir() + "/settings_test.yaml";
  std::ofstream(path) << "http:\n  port: 9000\n";

  ASSERT_TRUE(settings_.LoadFile(path).ok());
  settings_.LoadEnvironment(Env({{"API_PORT", "9001"}}));
  ASSERT_TRUE(settings_.Apply().ok());
  EXPECT_EQ(port_, 9001);

  ASSERT_TRUE(settings_.SetFlag("http.port", "9002").ok());
  ASSERT_TRUE(settings_.Apply().ok());
  EXPECT_EQ(port_, 9002);
  EXPECT_EQ(settings_.Source("http.port"), SettingSource::kFlag);
}

TEST_F(SettingsTest, InvalidValueNamesTheSettingAndItsSource) {
  settings_.LoadEnvironment(Env({{"API_PORT", "eighty"}}));

  absl::Status status = settings_.Apply();

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  std::string message(status.message());
  EXPECT_NE(message.find("http.port"), std::string::npos) << message;
  EXPECT_NE(message.find("API_PORT"), std::string::npos) << message;
}

TEST_F(SettingsTest, UnknownFileKeyIsAnError) {
  std::string path = ::testing::TempDir() + "/settings_unknown.yaml";
  std::ofstream(path) << "htp:\n  port: 1\n";

  absl::Status status = settings_.LoadFile(path);

  EXPECT_NE(std::string(status.message()).find("htp.port"), std::string::npos);
}

TEST_F(SettingsTest, DescribeMasksSecrets) {
  settings_.LoadEnvironment(Env({{"DATABASE_PASSWORD", "hunter2"}}));

  std::string text = settings_.Describe();

  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("********"), std::string::npos);
}

TEST(SettingParsersTest, ParseDurationsAndSizes) {
  EXPECT_EQ(*ParseDurationSetting("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*ParseDurationSetting("5m"), std::chrono::minutes(5));
  EXPECT_EQ(*ParseDurationSetting("30"), std::chrono::seconds(30));
  EXPECT_FALSE(ParseDurationSetting("soon").ok());
  EXPECT_EQ(*ParseBytesSetting("10MiB"), 10u << 20);
  EXPECT_EQ(*ParseBytesSetting("512"), 512u);
  EXPECT_FALSE(ParseBytesSetting("lots").ok());
  EXPECT_EQ(ParseListSetting(" a, ,b "), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace hub::common
