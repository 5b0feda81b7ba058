#include "apiservice/content_negotiation.h"

#include <gtest/gtest.h>

#include "tests/apiservice/json_test_util.h"

namespace apiservice {
namespace {

constexpr Offers kResource{.protobuf = true, .table = true, .aggregated_discovery = false};
constexpr Offers kDiscoveryRoot{.protobuf = false, .table = false, .aggregated_discovery = true};
constexpr Offers kPlain{};

constexpr const char* kDiscoveryAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;"
    "v=v2beta1;as=APIGroupDiscoveryList,application/json";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json";

TEST(ParseAcceptTest, ParsesParamsAndSortsByQ) {
  std::vector<MediaRange> r = ParseAccept("text/html;q=0.2, application/json;as=Table;v=v1;g=meta.k8s.io, */*;q=0.5");
  ASSERT_EQ(3u, r.size());
  EXPECT_EQ("application", r[0].type);
  EXPECT_EQ("Table", r[0].Param("as"));
  EXPECT_EQ("meta.k8s.io", r[0].Param("g"));
  EXPECT_EQ("*", r[1].type);
  EXPECT_DOUBLE_EQ(0.5, r[1].q);
  EXPECT_EQ("text", r[2].type);
}

TEST(ParseAcceptTest, SkipsMalformedRanges) {
  std::vector<MediaRange> r = ParseAccept("garbage, /json, application/, application/json;q=abc, application/json");
  ASSERT_EQ(1u, r.size());
  EXPECT_EQ("json", r[0].subtype);
}

struct Case {
  const char* accept;
  Offers offers;
  Format format;
  const char* version;
  const char* content_type;
};

TEST(NegotiateTest, Table) {
  const Case cases[] = {
      {"", kResource, Format::kJson, "", "application/json"},
      {"application/json", kResource, Format::kJson, "", "application/json"},
      {"application/json, */*", kResource, Format::kJson, "", "application/json"},
      {"*/*", kResource, Format::kJson, "", "application/json"},
      {"application/*", kResource, Format::kJson, "", "application/json"},
      {"application/vnd.kubernetes.protobuf, */*", kResource, Format::kProtobuf, "",
       "application/vnd.kubernetes.protobuf"},
      {"application/vnd.kubernetes.protobuf,application/json", kResource, Format::kProtobuf, "",
       "application/vnd.kubernetes.protobuf"},
      {"application/vnd.kubernetes.protobuf, */*", kDiscoveryRoot, Format::kJson, "", "application/json"},
      {"application/vnd.kubernetes.protobuf,application/json", kPlain, Format::kJson, "", "application/json"},
      {kTableAccept, kResource, Format::kTable, "v1", "application/json"},
      {kTableAccept, kPlain, Format::kJson, "", "application/json"},
      {"application/json;as=Table;v=v1beta1;g=meta.k8s.io", kResource, Format::kTable, "v1beta1",
       "application/json"},
      {kDiscoveryAccept, kDiscoveryRoot, Format::kAggregatedDiscovery, "v2",
       "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"},
      {"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", kDiscoveryRoot,
       Format::kAggregatedDiscovery, "v2beta1",
       "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"},
      {kDiscoveryAccept, kResource, Format::kJson, "", "application/json"},
      {"application/json;q=0.5, application/vnd.kubernetes.protobuf", kResource, Format::kProtobuf, "",
       "application/vnd.kubernetes.protobuf"},
      {"application/vnd.kubernetes.protobuf;q=0, application/json", kResource, Format::kJson, "",
       "application/json"},
      {"APPLICATION/JSON", kResource, Format::kJson, "", "application/json"},
  };
  for (const Case& c : cases) {
    common::Result<Negotiated> n = Negotiate(c.accept, c.offers);
    ASSERT_TRUE(n.ok()) << c.accept;
    EXPECT_EQ(c.format, n->format) << c.accept;
    EXPECT_EQ(c.version, n->version) << c.accept;
    EXPECT_EQ(c.content_type, n->content_type) << c.accept;
  }
}

TEST(NegotiateTest, NotAcceptable) {
  for (const char* accept : {"text/html", "application/yaml", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
                             "image/*", "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"}) {
    common::Result<Negotiated> n = Negotiate(accept, kResource);
    ASSERT_FALSE(n.ok()) << accept;
    EXPECT_EQ(406, n.error().http_status);
  }
}

TEST(NegotiateTest, EveryKubectlAcceptHeaderIsAnsweredOnEveryEndpoint) {
  const std::vector<std::string> headers = apiservice_testing::TraceAcceptHeaders();
  ASSERT_GE(headers.size(), 6u);  // the traces carry six distinct Accept headers
  for (const std::string& accept : headers) {
    for (const Offers& offers : {kResource, kDiscoveryRoot, kPlain}) {
      EXPECT_TRUE(Negotiate(accept, offers).ok()) << accept;
    }
  }
}

}  // namespace
}  // namespace apiservice
