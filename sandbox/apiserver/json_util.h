#pragma once
// Small RapidJSON helpers used across the sandbox API server. Parsing never throws; errors are values.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.h"

namespace sandbox::json {

common::Result<rapidjson::Document> Parse(std::string_view text);
std::string Serialize(const rapidjson::Value& value);

// Follows object members by name; nullptr when any step is missing or not an object.
const rapidjson::Value* Find(const rapidjson::Value& root, std::initializer_list<std::string_view> path);
rapidjson::Value* FindMutable(rapidjson::Value& root, std::initializer_list<std::string_view> path);
std::string GetString(const rapidjson::Value& root, std::initializer_list<std::string_view> path,
                      std::string fallback = "");
std::optional<int64_t> GetInt(const rapidjson::Value& root, std::initializer_list<std::string_view> path);

// Returns the object member `name` of `parent`, creating it (or replacing a non-object) as an empty object.
rapidjson::Value& EnsureObject(rapidjson::Value& parent, std::string_view name,
                               rapidjson::Document::AllocatorType& alloc);
void SetString(rapidjson::Value& parent, std::string_view name, std::string_view value,
               rapidjson::Document::AllocatorType& alloc);
void SetInt(rapidjson::Value& parent, std::string_view name, int64_t value,
            rapidjson::Document::AllocatorType& alloc);
void SetValue(rapidjson::Value& parent, std::string_view name, rapidjson::Value value,
              rapidjson::Document::AllocatorType& alloc);
void Remove(rapidjson::Value& parent, std::string_view name);

// RFC 7386 JSON merge patch, applied in place. Strategic merge patches are treated the same way for the kinds
// the sandbox serves (lists are replaced, which is what our callers expect).
void ApplyMergePatch(rapidjson::Value& target, const rapidjson::Value& patch,
                     rapidjson::Document::AllocatorType& alloc);

// RFC 6902 JSON patch (add, remove, replace, test, copy, move). Errors: kInvalidArgument.
common::Status ApplyJsonPatch(rapidjson::Document& target, const rapidjson::Value& patch);

std::map<std::string, std::string> StringMap(const rapidjson::Value* object);

// RFC 3339 with second precision in UTC: "2026-11-24T02:22:58Z".
std::string FormatTime(std::chrono::system_clock::time_point time);
std::optional<std::chrono::system_clock::time_point> ParseTime(std::string_view text);

}  // namespace sandbox::json
