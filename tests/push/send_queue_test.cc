#include "push/send_queue.h"

#include <gtest/gtest.h>

namespace accesslog {
namespace {

EncodedRequest Request(size_t samples, int64_t ts) {
  return {.body = std::string(samples, 'x'), .samples = samples, .timestamp_ms = ts};
}

TEST(SendQueueTest, OldestFirstAndBoundedBySamples) {
  SendQueue q(10);
  EXPECT_EQ(q.Push(Request(4, 1)), 0u);
  EXPECT_EQ(q.Push(Request(4, 2)), 0u);
  EXPECT_EQ(q.samples(), 8u);
  EXPECT_EQ(q.bytes(), 8u);
  // 12 > 10: the oldest request goes, whole.
  EXPECT_EQ(q.Push(Request(4, 3)), 4u);
  EXPECT_EQ(q.requests(), 2u);
  EXPECT_EQ(q.front().timestamp_ms, 2);
  q.Pop();
  EXPECT_EQ(q.front().timestamp_ms, 3);
  EXPECT_EQ(q.samples(), 4u);
  EXPECT_EQ(q.bytes(), 4u);
}

TEST(SendQueueTest, ARequestOverTheBoundAloneIsDroppedToo) {
  SendQueue q(10);
  EXPECT_EQ(q.Push(Request(3, 1)), 0u);
  EXPECT_EQ(q.Push(Request(11, 2)), 14u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.samples(), 0u);
}

TEST(SendQueueTest, ANewBoundAndClearCountWhatTheyDrop) {
  SendQueue q(100);
  for (int i = 0; i < 5; ++i) q.Push(Request(10, i));
  EXPECT_EQ(q.SetMaxSamples(25), 30u);
  EXPECT_EQ(q.front().timestamp_ms, 3);
  EXPECT_EQ(q.Clear(), 20u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace
}  // namespace accesslog
