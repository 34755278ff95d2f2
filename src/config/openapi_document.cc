#include "config/openapi_document.h"

#include <fstream>
#include <sstream>

namespace accesslog {

// One file of the document: its DOM (JSON) or its node tree (YAML).
struct OpenApiFile {
  std::string path;
  bool json = false;
  simdjson::dom::parser parser;  // owns the JSON DOM
  simdjson::padded_string text;
  simdjson::dom::element json_root;
  YAML::Node yaml_root;
};

namespace {

constexpr int kMaxRefHops = 32;  // a chain of references longer than this is a loop
constexpr int kMaxDepth = 512;   // nesting the reference check walks at most
// Nodes the reference check visits at most in all: a YAML alias is walked again wherever it is
// used, so nested aliases ("billion laughs") would otherwise take exponential time. GitHub's
// 13 MB document has about 260,000 nodes.
constexpr size_t kMaxNodes = 5'000'000;

std::string Dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

void AppendToken(std::string* pointer, std::string_view token) {
  pointer->push_back('/');
  for (const char c : token) {
    if (c == '~') {
      *pointer += "~0";
    } else if (c == '/') {
      *pointer += "~1";
    } else {
      pointer->push_back(c);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A reference is a URI reference: %XX escapes are decoded.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A URI with a scheme ("https:", "urn:"): RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" /
// "." ).
bool HasScheme(std::string_view ref) {
  const size_t colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = ref[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
      return false;
    }
  }
  return true;
}

std::string JsonScalar(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(e));
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::BOOL:
      return simdjson::minify(e);
    default:
      return "";
  }
}

}  // namespace

SpecNode SpecNode::Make(OpenApiFiles* files, const OpenApiFile* file, std::string pointer,
                        simdjson::dom::element json, const YAML::Node& yaml) {
  SpecNode n;
  n.files_ = files;
  n.file_ = file;
  n.pointer_ = std::move(pointer);
  if (file->json) {
    n.json_ = json;
    switch (json.type()) {
      case simdjson::dom::element_type::OBJECT:
        n.kind_ = Kind::kMap;
        break;
      case simdjson::dom::element_type::ARRAY:
        n.kind_ = Kind::kSequence;
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        n.kind_ = Kind::kNull;
        break;
      default:
        n.kind_ = Kind::kScalar;
    }
  } else {
    n.yaml_.reset(yaml);
    switch (yaml.Type()) {
      case YAML::NodeType::Map:
        n.kind_ = Kind::kMap;
        break;
      case YAML::NodeType::Sequence:
        n.kind_ = Kind::kSequence;
        break;
      case YAML::NodeType::Scalar:
        n.kind_ = Kind::kScalar;
        break;
      case YAML::NodeType::Null:
        n.kind_ = Kind::kNull;
        break;
      case YAML::NodeType::Undefined:
        n.kind_ = Kind::kMissing;
        break;
    }
  }
  return n;
}

SpecNode& SpecNode::operator=(const SpecNode& other) {
  if (this == &other) return *this;
  kind_ = other.kind_;
  files_ = other.files_;
  file_ = other.file_;
  pointer_ = other.pointer_;
  key_line_ = other.key_line_;
  key_column_ = other.key_column_;
  json_ = other.json_;
  yaml_.reset(other.yaml_);
  return *this;
}

SpecNode SpecNode::Get(std::string_view key) const {
  if (kind_ != Kind::kMap) return {};
  std::string pointer = pointer_;
  AppendToken(&pointer, key);
  if (file_->json) {
    simdjson::dom::element child;
    if (simdjson::dom::object(json_).at_key(key).get(child) != simdjson::SUCCESS) return {};
    return Make(files_, file_, std::move(pointer), child, {});
  }
  const YAML::Node& map = yaml_;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      SpecNode n = Make(files_, file_, std::move(pointer), {}, it->second);
      n.key_line_ = it->first.Mark().line;
      n.key_column_ = it->first.Mark().column;
      return n;
    }
  }
  return {};
}

std::vector<std::pair<std::string, SpecNode>> SpecNode::Entries() const {
  std::vector<std::pair<std::string, SpecNode>> out;
  if (kind_ != Kind::kMap) return out;
  if (file_->json) {
    for (const auto field : simdjson::dom::object(json_)) {
      std::string pointer = pointer_;
      AppendToken(&pointer, field.key);
      out.emplace_back(std::string(field.key),
                       Make(files_, file_, std::move(pointer), field.value, {}));
    }
    return out;
  }
  for (auto it = yaml_.begin(); it != yaml_.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    std::string pointer = pointer_;
    AppendToken(&pointer, key);
    SpecNode n = Make(files_, file_, std::move(pointer), {}, it->second);
    n.key_line_ = it->first.Mark().line;
    n.key_column_ = it->first.Mark().column;
    out.emplace_back(key, std::move(n));
  }
  return out;
}

std::vector<SpecNode> SpecNode::Items() const {
  std::vector<SpecNode> out;
  if (kind_ != Kind::kSequence) return out;
  size_t i = 0;
  if (file_->json) {
    for (const simdjson::dom::element item : simdjson::dom::array(json_)) {
      out.push_back(Make(files_, file_, pointer_ + "/" + std::to_string(i++), item, {}));
    }
    return out;
  }
  for (const YAML::Node& item : yaml_) {
    out.push_back(Make(files_, file_, pointer_ + "/" + std::to_string(i++), {}, item));
  }
  return out;
}

std::string SpecNode::Scalar() const {
  if (kind_ != Kind::kScalar) return "";
  return file_->json ? JsonScalar(json_) : yaml_.Scalar();
}

std::string SpecNode::Location() const {
  if (file_ == nullptr) return "(missing)";
  if (!file_->json && key_line_ >= 0) {
    return file_->path + ":" + std::to_string(key_line_ + 1) + ":" +
           std::to_string(key_column_ + 1);
  }
  if (!file_->json && yaml_.IsDefined()) {
    const YAML::Mark mark = yaml_.Mark();
    if (mark.line >= 0) {
      return file_->path + ":" + std::to_string(mark.line + 1) + ":" +
             std::to_string(mark.column + 1);
    }
  }
  return file_->path + "#" + pointer_;
}

bool SpecNode::Deref(SpecNode* out, std::string* error) const {
  SpecNode at = *this;
  for (int hop = 0; hop < kMaxRefHops; ++hop) {
    const SpecNode ref = at.Get("$ref");
    if (ref.kind() != Kind::kScalar ||
        (at.file_->json && ref.json_.type() != simdjson::dom::element_type::STRING)) {
      *out = at;
      return true;
    }
    SpecNode next;
    if (!at.files_->Resolve(at, ref.Scalar(), &next, error)) return false;
    at = next;
  }
  *error = Location() + ": $ref: a chain of more than " + std::to_string(kMaxRefHops) +
           " references (a loop?)";
  return false;
}

OpenApiFiles::OpenApiFiles() = default;
OpenApiFiles::~OpenApiFiles() = default;

const OpenApiFile* OpenApiFiles::Read(const std::string& path, std::string* error) {
  if (auto it = files_.find(path); it != files_.end()) return it->second.get();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open the OpenAPI document";
    return nullptr;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return Parse(path, buf.str(), error);
}

const OpenApiFile* OpenApiFiles::Parse(const std::string& path, std::string text,
                                       std::string* error) {
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // a UTF-8 byte-order mark
  auto file = std::make_unique<OpenApiFile>();
  file->path = path;
  const size_t first = text.find_first_not_of(" \t\r\n");
  file->json = first != std::string::npos && (text[first] == '{' || text[first] == '[');
  if (file->json) {
    file->text = simdjson::padded_string(text);
    const auto result = file->parser.parse(file->text);
    if (result.error() != simdjson::SUCCESS) {
      *error = path + ": not valid JSON: " + simdjson::error_message(result.error());
      return nullptr;
    }
    file->json_root = result.value_unsafe();
  } else {
    try {
      file->yaml_root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      *error = path + ":" + std::to_string(e.mark.line + 1) + ":" +
               std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg;
      return nullptr;
    }
  }
  const OpenApiFile* raw = file.get();
  files_.emplace(path, std::move(file));
  return raw;
}

bool OpenApiFiles::OpenText(const std::string& path, std::string text, SpecNode* root,
                            std::string* error) {
  const OpenApiFile* file = Parse(path, std::move(text), error);
  if (!file) return false;
  *root = SpecNode::Make(this, file, "", file->json_root, file->yaml_root);
  return true;
}

bool OpenApiFiles::Open(const std::string& path, SpecNode* root, std::string* error) {
  const OpenApiFile* file = Read(path, error);
  if (!file) return false;
  *root = SpecNode::Make(this, file, "", file->json_root, file->yaml_root);
  return true;
}

bool OpenApiFiles::Resolve(const SpecNode& from, const std::string& ref, SpecNode* out,
                           std::string* error) {
  const std::string where = from.Location() + ": $ref '" + ref + "'";
  if (HasScheme(ref) || ref.starts_with("//")) {
    *error = where +
             ": a URL; only references within the document and to files beside it are "
             "read (nothing is downloaded)";
    return false;
  }
  const size_t hash = ref.find('#');
  const std::string file_part = PercentDecode(std::string_view(ref).substr(0, hash));
  const std::string fragment =
      hash == std::string::npos ? "" : PercentDecode(std::string_view(ref).substr(hash + 1));
  const OpenApiFile* file = from.file_;
  if (!file_part.empty()) {
    const std::string path = file_part[0] == '/' ? file_part : Dir(from.file_->path) + file_part;
    std::string why;
    file = Read(path, &why);
    if (!file) {
      *error = where + ": " + why;
      return false;
    }
  }
  if (!fragment.empty() && fragment[0] != '/') {
    *error = where + ": the part after '#' must be a JSON pointer (\"#/components/...\")";
    return false;
  }
  SpecNode at = SpecNode::Make(this, file, "", file->json_root, file->yaml_root);
  size_t start = 1;
  while (start <= fragment.size() && !fragment.empty()) {
    const size_t slash = fragment.find('/', start);
    std::string token =
        fragment.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string unescaped;
    for (size_t i = 0; i < token.size(); ++i) {
      if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
        unescaped.push_back(token[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        unescaped.push_back(token[i]);
      }
    }
    // The pointer walks through references on its way, as resolvers do.
    if (!at.Deref(&at, error)) return false;
    SpecNode next;
    if (at.IsMap()) {
      next = at.Get(unescaped);
    } else if (at.IsSequence()) {
      const std::vector<SpecNode> items = at.Items();
      size_t index = 0;
      bool digits = !unescaped.empty();
      for (const char c : unescaped) digits &= c >= '0' && c <= '9';
      if (digits && unescaped.size() < 10) index = std::stoul(unescaped);
      if (digits && unescaped.size() < 10 && index < items.size()) next = items[index];
    }
    if (next.missing()) {
      *error = where + ": " + file->path + " has nothing at '" + fragment + "' (no '" + unescaped +
               "' in " + at.Location() + ")";
      return false;
    }
    at = next;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  *out = at;
  return true;
}

namespace {

// Walks every node under `e` (at JSON pointer *pointer), calling check(map, pointer, ref) for
// each map with a string $ref.
template <typename Check>
bool WalkJson(simdjson::dom::element e, std::string* pointer, int depth, const Check& check) {
  if (depth > kMaxDepth) return true;  // nothing this deep matters to the contract
  const size_t at = pointer->size();
  if (e.type() == simdjson::dom::element_type::OBJECT) {
    for (const auto field : simdjson::dom::object(e)) {
      if (field.key == "$ref" && field.value.type() == simdjson::dom::element_type::STRING) {
        if (!check(e, *pointer, std::string(std::string_view(field.value)))) return false;
        continue;
      }
      AppendToken(pointer, field.key);
      const bool ok = WalkJson(field.value, pointer, depth + 1, check);
      pointer->resize(at);
      if (!ok) return false;
    }
  } else if (e.type() == simdjson::dom::element_type::ARRAY) {
    size_t i = 0;
    for (const simdjson::dom::element item : simdjson::dom::array(e)) {
      *pointer += "/" + std::to_string(i++);
      const bool ok = WalkJson(item, pointer, depth + 1, check);
      pointer->resize(at);
      if (!ok) return false;
    }
  }
  return true;
}

template <typename Check>
bool WalkYaml(const YAML::Node& n, int depth, size_t* budget, const Check& check) {
  if (depth > kMaxDepth) return true;
  if (*budget == 0) return check(n, "");  // "" : over the budget (the caller says so)
  --*budget;
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "$ref" && it->second.IsScalar()) {
        if (!check(n, it->second.Scalar())) return false;
      } else if (!WalkYaml(it->second, depth + 1, budget, check)) {
        return false;
      }
    }
  } else if (n.IsSequence()) {
    for (const YAML::Node& item : n) {
      if (!WalkYaml(item, depth + 1, budget, check)) return false;
    }
  }
  return true;
}

}  // namespace

bool OpenApiFiles::CheckAllReferences(std::string* error) {
  // Files read while checking are checked too; a file is walked once.
  std::map<std::string, bool> walked;
  while (true) {
    const OpenApiFile* next = nullptr;
    for (const auto& [path, file] : files_) {
      if (!walked.count(path)) {
        next = file.get();
        break;
      }
    }
    if (next == nullptr) return true;
    walked[next->path] = true;
    auto check = [&](const SpecNode& holder, const std::string& ref) {
      const std::string key = next->path + '\n' + ref;
      if (checked_.count(key)) return true;
      SpecNode target;
      if (!Resolve(holder, ref, &target, error)) return false;
      checked_[key] = true;
      return true;
    };
    bool ok = true;
    if (next->json) {
      std::string pointer;
      ok = WalkJson(next->json_root, &pointer, 0,
                    [&](simdjson::dom::element map, const std::string& at, const std::string& ref) {
                      return check(SpecNode::Make(this, next, at, map, {}), ref);
                    });
    } else {
      size_t budget = kMaxNodes;
      ok =
          WalkYaml(next->yaml_root, 0, &budget, [&](const YAML::Node& map, const std::string& ref) {
            if (budget == 0) {
              *error = next->path + ": more than " + std::to_string(kMaxNodes) +
                       " nodes, counting each use of a YAML alias: too large to read";
              return false;
            }
            return check(SpecNode::Make(this, next, "", {}, map), ref);
          });
    }
    if (!ok) return false;
  }
}

}  // namespace accesslog
