#include "hub/k8s/watch_decoder.h"

#include <gtest/gtest.h>

namespace hub::k8s {
namespace {

TEST(WatchDecoderTest, JoinsAnEventSplitAcrossReads) {
  WatchDecoder decoder;
  std::string event = R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})";

  decoder.Feed(event.substr(0, 10));
  auto none = decoder.Next();
  decoder.Feed(event.substr(10) + "\n");
  auto one = decoder.Next();

  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->type, "ADDED");
  EXPECT_EQ((*one)->object["metadata"]["name"], "a");
  EXPECT_FALSE(decoder.HasPartial());
}

TEST(WatchDecoderTest, SplitsManyEventsInOneRead) {
  WatchDecoder decoder;
  decoder.Feed(
      "{\"type\":\"ADDED\",\"object\":{}}\n\n{\"type\":\"BOOKMARK\",\"object\":{}}\n{\"ty");

  auto first = decoder.Next();
  auto second = decoder.Next();
  auto third = decoder.Next();

  EXPECT_EQ((*first)->type, "ADDED");
  EXPECT_EQ((*second)->type, "BOOKMARK");
  EXPECT_FALSE(third->has_value());
  EXPECT_TRUE(decoder.HasPartial());
}

TEST(WatchDecoderTest, ReportsMalformedEvents) {
  WatchDecoder decoder;
  decoder.Feed("{not json}\n{\"type\":1}\n");

  EXPECT_EQ(decoder.Next().status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(decoder.Next().status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace hub::k8s
