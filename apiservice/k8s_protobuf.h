#pragma once
// Kubernetes protobuf framing and the apimachinery meta types (ObjectMeta, ListMeta, Time, Duration, Quantity),
// written with ReverseProtoWriter using the field numbers of k8s.io/apimachinery's generated.proto. Like every
// ReverseProtoWriter user, callers emit fields from the last to the first.

#include <cstddef>
#include <cstdint>
#include <string>
#include <functional>
#include <map>
#include <string_view>

#include "apiservice/proto_wire.h"

namespace apiservice {

// Object labels; std::map iterates sorted by key, the order Kubernetes serializes maps in. The same type as
// kube::Labels (kube/label_selector.h), spelled out so that this library does not depend on kube.
using Labels = std::map<std::string, std::string, std::less<>>;

// "k8s\0": the prefix of every application/vnd.kubernetes.protobuf body.
inline constexpr std::string_view kProtobufMagic{"k8s\0", 4};
inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// A body is magic + runtime.Unknown{typeMeta{apiVersion, kind}, raw: <object>, contentEncoding: "", contentType: ""}.
// Usage: size_t mark = BeginUnknown(w); <write the object's fields>; FinishUnknown(w, mark, "v1", "Status");
// then w.Take() is the complete body.
std::size_t BeginUnknown(ReverseProtoWriter& w);
void FinishUnknown(ReverseProtoWriter& w, std::size_t mark, std::string_view api_version, std::string_view kind);

// metav1.Time: seconds only (upstream deliberately drops nanos so that JSON and protobuf clients agree).
void WriteTime(ReverseProtoWriter& w, int field, int64_t unix_seconds);
// metav1.Duration{duration: nanoseconds}.
void WriteDuration(ReverseProtoWriter& w, int field, int64_t nanoseconds);
// metav1.ListMeta with its three strings empty.
void WriteEmptyListMeta(ReverseProtoWriter& w, int field);
// metav1.ObjectMeta with name, namespace, creationTimestamp and labels; the other scalar fields empty/zero as gogo
// writes them.
void WriteObjectMeta(ReverseProtoWriter& w, int field, std::string_view name, std::string_view namespace_name,
                     int64_t creation_unix_seconds, const Labels* labels);
// One entry of a map<string, resource.Quantity> (ResourceList): {key, Quantity{string: value}}.
void WriteQuantityEntry(ReverseProtoWriter& w, int field, std::string_view key, std::string_view value);

}  // namespace apiservice
