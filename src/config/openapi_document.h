// Configuration: the files of an OpenAPI document, read once at start-up or reload, and a node
// type that walks them whatever their format: JSON through simdjson's DOM (GitHub's 13 MB
// document parses in tens of milliseconds), YAML through yaml-cpp, with $ref followed within a
// file and to files beside it.
//
//   OpenApiFiles files;
//   std::string error;
//   SpecNode root;
//   if (!files.Open("/etc/accesslog/kittens.yaml", &root, &error)) die(error);
//   for (const auto& [key, item] : root.Get("paths").Entries()) ...
//   SpecNode op = item.Deref(&error).Get("get");   // follows a $ref, loading its file once
//
// Locations (for every message): "FILE:LINE:COL" in a YAML file, "FILE#/json/pointer" in a JSON
// one. A $ref is a JSON pointer in the same file ("#/components/responses/NotFound"), or a path
// relative to the referring file with an optional pointer ("paths/kittens.yaml#/get"). A URL
// (anything with a scheme) is refused: nothing is ever downloaded.
//
// Thread-safety: none; an OpenApiFiles and its nodes belong to the loading thread.
#pragma once

#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accesslog {

class OpenApiFiles;
struct OpenApiFile;

class SpecNode {
 public:
  enum class Kind { kMissing, kNull, kMap, kSequence, kScalar };

  SpecNode() = default;
  SpecNode(const SpecNode&) = default;
  // yaml-cpp's Node::operator= writes into the tree the left node belongs to: a SpecNode rebinds
  // instead (YAML::Node::reset), so that walking never changes the document.
  SpecNode& operator=(const SpecNode& other);
  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool missing() const { return kind_ == Kind::kMissing; }
  [[nodiscard]] bool IsMap() const { return kind_ == Kind::kMap; }
  [[nodiscard]] bool IsSequence() const { return kind_ == Kind::kSequence; }
  [[nodiscard]] bool IsScalar() const { return kind_ == Kind::kScalar; }

  // A map's value for `key`; a missing node when absent (or when this is not a map).
  [[nodiscard]] SpecNode Get(std::string_view key) const;
  // A map's entries in document order (keys as text: a YAML number key "200" too).
  [[nodiscard]] std::vector<std::pair<std::string, SpecNode>> Entries() const;
  // A sequence's items.
  [[nodiscard]] std::vector<SpecNode> Items() const;
  // A scalar as text: a string's value, a number or boolean as written ("" for others).
  [[nodiscard]] std::string Scalar() const;
  // Where the node is, for messages.
  [[nodiscard]] std::string Location() const;
  // When this node is a map holding a string "$ref", the node it refers to (followed again when
  // that is a reference too); else this node. Fails (false, *error with the location) on a URL,
  // a file that cannot be read or a pointer that leads nowhere.
  [[nodiscard]] bool Deref(SpecNode* out, std::string* error) const;

 private:
  friend class OpenApiFiles;
  Kind kind_ = Kind::kMissing;
  OpenApiFiles* files_ = nullptr;
  const OpenApiFile* file_ = nullptr;
  std::string pointer_;  // JSON pointer from its file's root
  // YAML: where its key is (a map's value is reported at its key, "get:" rather than the
  // operation's first line); -1: the node's own mark.
  int key_line_ = -1;
  int key_column_ = -1;
  simdjson::dom::element json_;
  YAML::Node yaml_;
  static SpecNode Make(OpenApiFiles* files, const OpenApiFile* file, std::string pointer,
                       simdjson::dom::element json, const YAML::Node& yaml);
};

class OpenApiFiles {
 public:
  OpenApiFiles();
  ~OpenApiFiles();
  OpenApiFiles(const OpenApiFiles&) = delete;  // nodes point into it
  OpenApiFiles& operator=(const OpenApiFiles&) = delete;

  // Reads the document at `path` (JSON when it starts with '{' or '[', else YAML) and sets *root.
  [[nodiscard]] bool Open(const std::string& path, SpecNode* root, std::string* error);
  // The same with the document's text given (`path` names it, and its references are read
  // beside it): fuzzing and tests.
  [[nodiscard]] bool OpenText(const std::string& path, std::string text, SpecNode* root,
                              std::string* error);

  // Checks that every "$ref" in every file read so far, and in the files they lead to, can be
  // followed. Returns false with the first one that cannot.
  [[nodiscard]] bool CheckAllReferences(std::string* error);

  // Follows `ref` written at `from`. Used by SpecNode::Deref.
  [[nodiscard]] bool Resolve(const SpecNode& from, const std::string& ref, SpecNode* out,
                             std::string* error);

 private:
  const OpenApiFile* Read(const std::string& path, std::string* error);
  const OpenApiFile* Parse(const std::string& path, std::string text, std::string* error);
  std::map<std::string, std::unique_ptr<OpenApiFile>> files_;  // by path as resolved
  std::map<std::string, bool> checked_;                        // FILE + '\n' + ref: followed
};

}  // namespace accesslog
