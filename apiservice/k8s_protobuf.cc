#include "apiservice/k8s_protobuf.h"

namespace apiservice {

std::size_t BeginUnknown(ReverseProtoWriter& w) {
  w.Bytes(4, "");  // contentType
  w.Bytes(3, "");  // contentEncoding
  return w.size();
}

void FinishUnknown(ReverseProtoWriter& w, std::size_t mark, std::string_view api_version, std::string_view kind) {
  w.EndMessage(2, mark);  // raw
  const std::size_t type_meta = w.size();
  w.Bytes(2, kind);
  w.Bytes(1, api_version);
  w.EndMessage(1, type_meta);
  w.Raw(kProtobufMagic);
}

void WriteTime(ReverseProtoWriter& w, int field, int64_t unix_seconds) {
  const std::size_t mark = w.size();
  w.Varint(1, unix_seconds);
  w.EndMessage(field, mark);
}

void WriteDuration(ReverseProtoWriter& w, int field, int64_t nanoseconds) {
  const std::size_t mark = w.size();
  w.Varint(1, nanoseconds);
  w.EndMessage(field, mark);
}

void WriteEmptyListMeta(ReverseProtoWriter& w, int field) {
  const std::size_t mark = w.size();
  w.Bytes(3, "");  // continue
  w.Bytes(2, "");  // resourceVersion
  w.Bytes(1, "");  // selfLink
  w.EndMessage(field, mark);
}

void WriteObjectMeta(ReverseProtoWriter& w, int field, std::string_view name, std::string_view namespace_name,
                     int64_t creation_unix_seconds, const Labels* labels) {
  const std::size_t mark = w.size();
  if (labels != nullptr) {
    for (auto it = labels->rbegin(); it != labels->rend(); ++it) {
      const std::size_t entry = w.size();
      w.Bytes(2, it->second);
      w.Bytes(1, it->first);
      w.EndMessage(11, entry);
    }
  }
  WriteTime(w, 8, creation_unix_seconds);
  w.Varint(7, 0);    // generation
  w.Bytes(6, "");    // resourceVersion
  w.Bytes(5, "");    // uid
  w.Bytes(4, "");    // selfLink
  w.Bytes(3, namespace_name);
  w.Bytes(2, "");    // generateName
  w.Bytes(1, name);
  w.EndMessage(field, mark);
}

void WriteQuantityEntry(ReverseProtoWriter& w, int field, std::string_view key, std::string_view value) {
  const std::size_t mark = w.size();
  const std::size_t quantity = w.size();
  w.Bytes(1, value);
  w.EndMessage(2, quantity);
  w.Bytes(1, key);
  w.EndMessage(field, mark);
}

}  // namespace apiservice
