#include "stream/secrets_file.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <utility>

namespace evbus {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void WriteKey(Writer& w, const std::string& s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteStringMap(Writer& w, const std::map<std::string, std::string>& map) {
  w.StartObject();
  for (const auto& [name, value] : map) {
    WriteKey(w, name);
    WriteString(w, value);
  }
  w.EndObject();
}

void WritePatterns(Writer& w, const SecretPatterns& p) {
  w.StartObject();
  w.Key("builtins");
  w.StartObject();
  for (const auto& [name, enabled] : p.builtins) {
    WriteKey(w, name);
    w.Bool(enabled);
  }
  w.EndObject();
  w.Key("custom");
  WriteStringMap(w, p.custom);
  w.Key("placeholder");
  WriteString(w, p.placeholder);
  w.EndObject();
}

Status Bad(const std::string& path, const std::string& what) {
  return Status::Corruption("secrets file '" + path + "': " + what +
                            "; set the secrets again (set_secrets) to rewrite it");
}

Status ReadStringMap(const rapidjson::Value& v, const std::string& path, const char* what,
                     std::map<std::string, std::string>* out) {
  if (!v.IsObject()) return Bad(path, std::string(what) + " is not a JSON object");
  for (const auto& m : v.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsString()) return Bad(path, "the value of '" + name + "' is not a string");
    (*out)[name] = std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return Status::OK();
}

Status ReadPatterns(const rapidjson::Value& v, const std::string& path, SecretPatterns* out) {
  if (!v.IsObject()) return Bad(path, "\"patterns\" is not a JSON object");
  if (auto it = v.FindMember("builtins"); it != v.MemberEnd()) {
    if (!it->value.IsObject()) return Bad(path, "\"builtins\" is not a JSON object");
    for (const auto& m : it->value.GetObject()) {
      if (!m.value.IsBool()) return Bad(path, "a built-in's switch is not true or false");
      out->builtins[std::string(m.name.GetString(), m.name.GetStringLength())] = m.value.GetBool();
    }
  }
  if (auto it = v.FindMember("custom"); it != v.MemberEnd()) {
    EVBUS_RETURN_IF_ERROR(ReadStringMap(it->value, path, "\"custom\"", &out->custom));
  }
  if (auto it = v.FindMember("placeholder"); it != v.MemberEnd()) {
    if (!it->value.IsString()) return Bad(path, "\"placeholder\" is not a string");
    out->placeholder.assign(it->value.GetString(), it->value.GetStringLength());
  }
  return Status::OK();
}

}  // namespace

std::string StreamSecretsToJson(const StreamSecrets& s) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  if (s.patterns == SecretPatterns{}) {
    WriteStringMap(w, s.secrets);  // version 1
  } else {
    w.StartObject();
    w.Key("version");
    w.Int(kSecretsFileVersion);
    w.Key("secrets");
    WriteStringMap(w, s.secrets);
    w.Key("patterns");
    WritePatterns(w, s.patterns);
    w.EndObject();
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<StreamSecrets> ParseStreamSecrets(const std::string& text, const std::string& path) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return Bad(path, "not a JSON object");
  StreamSecrets out;
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || version->value.IsString()) {  // version 1
    EVBUS_RETURN_IF_ERROR(ReadStringMap(doc, path, "the file", &out.secrets));
    return out;
  }
  if (!version->value.IsInt() || version->value.GetInt() != kSecretsFileVersion) {
    return Status::Corruption("secrets file '" + path +
                              "' has a format version this evbus does not know (it knows 1 "
                              "and 2); use the evbus that wrote it, or set the secrets again");
  }
  auto secrets = doc.FindMember("secrets");
  if (secrets == doc.MemberEnd()) return Bad(path, "no \"secrets\" member");
  EVBUS_RETURN_IF_ERROR(ReadStringMap(secrets->value, path, "\"secrets\"", &out.secrets));
  if (auto p = doc.FindMember("patterns"); p != doc.MemberEnd()) {
    EVBUS_RETURN_IF_ERROR(ReadPatterns(p->value, path, &out.patterns));
  }
  return out;
}

Result<StreamSecrets> ReadStreamSecretsFile(const std::string& path, Env* env) {
  std::string text;
  const Status read = (env != nullptr ? env : Env::Default())->ReadFile(path, &text);
  if (read.IsNotFound()) return StreamSecrets{};
  if (!read.ok()) return AddContext(read, "cannot read the secrets file: ", "");
  return ParseStreamSecrets(text, path);
}

}  // namespace evbus
