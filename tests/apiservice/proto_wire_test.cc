#include "apiservice/proto_wire.h"

#include <gtest/gtest.h>

#include "apiservice/k8s_protobuf.h"
#include "apiservice/proto/meta.pb.h"

namespace apiservice {
namespace {

TEST(ReverseProtoWriterTest, MatchesForwardEncoding) {
  ReverseProtoWriter w(16);  // tiny on purpose: forces growth
  const std::size_t mark = w.size();
  w.Varint(2, 300);
  w.Bytes(1, "abc");
  w.EndMessage(5, mark);
  w.Varint(1, 1);
  // field 1 varint 1; field 5 len 7 { field 1 "abc", field 2 varint 300 }
  EXPECT_EQ(std::string("\x08\x01\x2a\x08\x0a\x03" "abc" "\x10\xac\x02", 12), w.Take());
  EXPECT_EQ(0u, w.size());
}

TEST(ReverseProtoWriterTest, NegativeVarintUsesTenBytes) {
  ReverseProtoWriter w;
  w.Varint(1, -1);
  EXPECT_EQ(11u, w.Take().size());
}

TEST(ReverseProtoWriterTest, LargeContentGrowsCorrectly) {
  ReverseProtoWriter w(16);
  std::string big(100000, 'x');
  big[0] = 'a';
  big[99999] = 'z';
  w.Bytes(1, big);
  w.Raw("k8s");
  std::string out = w.Take();
  ASSERT_EQ(3u + 1u + 3u + 100000u, out.size());
  EXPECT_EQ("k8s", out.substr(0, 3));
  EXPECT_EQ('a', out[7]);
  EXPECT_EQ('z', out.back());
}

TEST(K8sProtobufTest, ObjectMetaWritesGogoFieldsAndSortedLabels) {
  ReverseProtoWriter w;
  Labels labels{{"b", "2"}, {"a", "1"}};
  WriteObjectMeta(w, 1, "n", "ns", 1795486578, &labels);
  const std::string bytes = w.Take();
  // Strip the outer tag + length (2 bytes here: message < 128 bytes).
  k8s::io::apimachinery::pkg::apis::meta::v1::ObjectMeta meta;
  ASSERT_TRUE(meta.ParseFromString(bytes.substr(2)));
  EXPECT_EQ("n", meta.name());
  EXPECT_EQ("ns", meta.namespace_());
  EXPECT_TRUE(meta.has_generatename());
  EXPECT_TRUE(meta.has_selflink());
  EXPECT_TRUE(meta.has_uid());
  EXPECT_TRUE(meta.has_resourceversion());
  EXPECT_TRUE(meta.has_generation());
  EXPECT_EQ(1795486578, meta.creationtimestamp().seconds());
  EXPECT_FALSE(meta.creationtimestamp().has_nanos());
  ASSERT_EQ(2, meta.labels().size());
  EXPECT_EQ("1", meta.labels().at("a"));
  // Sorted on the wire: "a" entry first.
  EXPECT_LT(bytes.find(std::string("\x0a\x01" "a", 3)), bytes.find(std::string("\x0a\x01" "b", 3)));
}

}  // namespace
}  // namespace apiservice
