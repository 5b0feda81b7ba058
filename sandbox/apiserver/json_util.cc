#include "sandbox/apiserver/json_util.h"

#include <cstdio>
#include <ctime>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sandbox::json {

using common::Error;
using common::ErrorCode;

namespace {

// A member name for lookups. It must be a Value: a bare StringRef would decay to `const char*` and pick the
// NUL-terminated FindMember overload, reading past the end of a string_view.
rapidjson::Value Key(std::string_view name) {
  return rapidjson::Value(rapidjson::StringRef(name.data(), name.size()));
}

}  // namespace

common::Result<rapidjson::Document> Parse(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
                           rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

std::string Serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value* Find(const rapidjson::Value& root, std::initializer_list<std::string_view> path) {
  const rapidjson::Value* current = &root;
  for (std::string_view step : path) {
    if (!current->IsObject()) return nullptr;
    auto it = current->FindMember(Key(step));
    if (it == current->MemberEnd()) return nullptr;
    current = &it->value;
  }
  return current;
}

rapidjson::Value* FindMutable(rapidjson::Value& root, std::initializer_list<std::string_view> path) {
  return const_cast<rapidjson::Value*>(Find(root, path));
}

std::string GetString(const rapidjson::Value& root, std::initializer_list<std::string_view> path,
                      std::string fallback) {
  const rapidjson::Value* v = Find(root, path);
  if (v == nullptr || !v->IsString()) return fallback;
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> GetInt(const rapidjson::Value& root, std::initializer_list<std::string_view> path) {
  const rapidjson::Value* v = Find(root, path);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsUint64()) return static_cast<int64_t>(v->GetUint64());
  if (v->IsDouble()) {
    double d = v->GetDouble();
    // Casting an out-of-range double is undefined behaviour; such values are simply not integers here.
    if (!(d >= -9.2e18 && d <= 9.2e18)) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

void SetValue(rapidjson::Value& parent, std::string_view name, rapidjson::Value value,
              rapidjson::Document::AllocatorType& alloc) {
  if (!parent.IsObject()) parent.SetObject();
  auto it = parent.FindMember(Key(name));
  if (it != parent.MemberEnd()) {
    it->value = std::move(value);
    return;
  }
  parent.AddMember(rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc),
                   std::move(value), alloc);
}

rapidjson::Value& EnsureObject(rapidjson::Value& parent, std::string_view name,
                               rapidjson::Document::AllocatorType& alloc) {
  if (!parent.IsObject()) parent.SetObject();
  auto it = parent.FindMember(Key(name));
  if (it != parent.MemberEnd()) {
    if (!it->value.IsObject()) it->value.SetObject();
    return it->value;
  }
  SetValue(parent, name, rapidjson::Value(rapidjson::kObjectType), alloc);
  return parent.FindMember(Key(name))->value;
}

void SetString(rapidjson::Value& parent, std::string_view name, std::string_view value,
               rapidjson::Document::AllocatorType& alloc) {
  SetValue(parent, name, rapidjson::Value(value.data(), static_cast<rapidjson::SizeType>(value.size()), alloc),
           alloc);
}

void SetInt(rapidjson::Value& parent, std::string_view name, int64_t value,
            rapidjson::Document::AllocatorType& alloc) {
  SetValue(parent, name, rapidjson::Value(value), alloc);
}

void Remove(rapidjson::Value& parent, std::string_view name) {
  if (!parent.IsObject()) return;
  auto it = parent.FindMember(Key(name));
  if (it != parent.MemberEnd()) parent.EraseMember(it);  // EraseMember keeps member order (RemoveMember does not)
}

void ApplyMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                     rapidjson::Document::AllocatorType& alloc) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, alloc);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (auto it = patch.MemberBegin(); it != patch.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (it->value.IsNull()) {
      Remove(target, name);
      continue;
    }
    auto existing = target.FindMember(it->name);
    if (existing == target.MemberEnd()) {
      rapidjson::Value fresh(rapidjson::kObjectType);
      if (it->value.IsObject()) {
        ApplyMergePatch(fresh, it->value, alloc);  // drops nulls nested in the patch
      } else {
        fresh.CopyFrom(it->value, alloc);
      }
      SetValue(target, name, std::move(fresh), alloc);
    } else {
      ApplyMergePatch(existing->value, it->value, alloc);
    }
  }
}

namespace {

// JSON pointer with RFC 6901 escapes; rapidjson::Pointer handles "~0"/"~1" itself.
common::Result<rapidjson::Pointer> MakePointer(const rapidjson::Value& op, const char* member) {
  auto it = op.FindMember(member);
  if (it == op.MemberEnd() || !it->value.IsString()) {
    return Error::Make(ErrorCode::kInvalidArgument, std::string("json patch operation lacks \"") + member + "\"");
  }
  rapidjson::Pointer pointer(it->value.GetString(), it->value.GetStringLength());
  if (!pointer.IsValid()) {
    return Error::Make(ErrorCode::kInvalidArgument, "invalid json pointer " + std::string(it->value.GetString()));
  }
  return pointer;
}

// Adds per RFC 6902: array index or "-" inserts, object member sets.
common::Status AddAt(rapidjson::Document& doc, const rapidjson::Pointer& pointer, rapidjson::Value value) {
  auto& alloc = doc.GetAllocator();
  size_t count = pointer.GetTokenCount();
  if (count == 0) {
    doc.CopyFrom(value, alloc);
    return common::Status::Ok();
  }
  rapidjson::Pointer parent_pointer(pointer.GetTokens(), count - 1);
  rapidjson::Value* parent = parent_pointer.Get(doc);
  if (parent == nullptr) return Error::Make(ErrorCode::kInvalidArgument, "json patch path parent does not exist");
  const auto& last = pointer.GetTokens()[count - 1];
  std::string_view token(last.name, last.length);
  if (parent->IsArray()) {
    if (token == "-") {
      parent->PushBack(std::move(value), alloc);
      return common::Status::Ok();
    }
    if (last.index == rapidjson::kPointerInvalidIndex || last.index > parent->Size()) {
      return Error::Make(ErrorCode::kInvalidArgument, "json patch array index out of range");
    }
    parent->PushBack(rapidjson::Value(), alloc);
    for (rapidjson::SizeType i = parent->Size() - 1; i > last.index; --i) (*parent)[i] = std::move((*parent)[i - 1]);
    (*parent)[last.index] = std::move(value);
    return common::Status::Ok();
  }
  if (!parent->IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "json patch parent is not a container");
  SetValue(*parent, token, std::move(value), alloc);
  return common::Status::Ok();
}

common::Status RemoveAt(rapidjson::Document& doc, const rapidjson::Pointer& pointer) {
  if (pointer.Get(doc) == nullptr) return Error::Make(ErrorCode::kInvalidArgument, "json patch path does not exist");
  pointer.Erase(doc);
  return common::Status::Ok();
}

}  // namespace

common::Status ApplyJsonPatch(rapidjson::Document& target, const rapidjson::Value& patch) {
  if (!patch.IsArray()) return Error::Make(ErrorCode::kInvalidArgument, "json patch must be an array");
  auto& alloc = target.GetAllocator();
  for (const auto& op : patch.GetArray()) {
    if (!op.IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "json patch operation must be an object");
    std::string name = GetString(op, {"op"});
    auto path = MakePointer(op, "path");
    if (!path.ok()) return path.error();
    const rapidjson::Value* value = Find(op, {"value"});
    if (name == "add" || name == "replace" || name == "test") {
      if (value == nullptr) return Error::Make(ErrorCode::kInvalidArgument, "json patch operation lacks \"value\"");
    }
    if (name == "add") {
      rapidjson::Value copy(*value, alloc);
      if (auto s = AddAt(target, *path, std::move(copy)); !s.ok()) return s;
    } else if (name == "remove") {
      if (auto s = RemoveAt(target, *path); !s.ok()) return s;
    } else if (name == "replace") {
      if (path->Get(target) == nullptr) {
        return Error::Make(ErrorCode::kInvalidArgument, "json patch replace path does not exist");
      }
      path->Set(target, rapidjson::Value(*value, alloc));
    } else if (name == "test") {
      const rapidjson::Value* current = path->Get(target);
      if (current == nullptr || *current != *value) {
        return Error::Make(ErrorCode::kInvalidArgument, "json patch test failed");
      }
    } else if (name == "copy" || name == "move") {
      auto from = MakePointer(op, "from");
      if (!from.ok()) return from.error();
      const rapidjson::Value* source = from->Get(target);
      if (source == nullptr) return Error::Make(ErrorCode::kInvalidArgument, "json patch from path does not exist");
      rapidjson::Value copy(*source, alloc);
      if (name == "move") {
        if (auto s = RemoveAt(target, *from); !s.ok()) return s;
      }
      if (auto s = AddAt(target, *path, std::move(copy)); !s.ok()) return s;
    } else {
      return Error::Make(ErrorCode::kInvalidArgument, "unknown json patch operation \"" + name + "\"");
    }
  }
  return common::Status::Ok();
}

std::map<std::string, std::string> StringMap(const rapidjson::Value* object) {
  std::map<std::string, std::string> out;
  if (object == nullptr || !object->IsObject()) return out;
  for (auto it = object->MemberBegin(); it != object->MemberEnd(); ++it) {
    if (it->value.IsString()) {
      out.emplace(std::string(it->name.GetString(), it->name.GetStringLength()),
                  std::string(it->value.GetString(), it->value.GetStringLength()));
    }
  }
  return out;
}

std::string FormatTime(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text) {
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute, &second) != 6) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace sandbox::json
