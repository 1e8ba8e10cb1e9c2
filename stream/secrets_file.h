// The secrets file of a stream (stream/shared_secrets.h): its format, read and
// written whole. Two versions, told apart by their top-level members:
//
//   version 1  {"NAME": "VALUE", ...}
//              the secrets only; the stream's patterns are the default (every
//              built-in on, docs/redaction.md).
//   version 2  {"version": 2,
//               "secrets": {"NAME": "VALUE", ...},
//               "patterns": {"builtins": {"jwt": false, ...},
//                            "custom": {"NAME": "REGEX", ...},
//                            "placeholder": "<secret_hidden:{rule}>"}}
//              "version" is a number, which a version 1 value never is.
//
// A writer uses version 1 while the patterns are the default (so that an
// older reader still reads the file) and version 2 otherwise. A reader
// refuses a version it does not know with a clear error.
#ifndef EVBUS_STREAM_SECRETS_FILE_H_
#define EVBUS_STREAM_SECRETS_FILE_H_

#include <string>

#include "base/file_env.h"
#include "base/status.h"
#include "core/redactor.h"
#include "core/secret_patterns.h"

namespace evbus {

// What a stream's secrets file holds.
struct StreamSecrets {
  Redactor::SecretMap secrets;
  SecretPatterns patterns;  // default: every built-in on
  bool operator==(const StreamSecrets& other) const = default;
};

// The newest version this code writes and reads.
inline constexpr int kSecretsFileVersion = 2;

std::string StreamSecretsToJson(const StreamSecrets& stream_secrets);
// Parses a secrets file's text; `path` only names the file in errors.
Result<StreamSecrets> ParseStreamSecrets(const std::string& text, const std::string& path);
// Reads a secrets file (through `env`; nullptr: the real file system): an
// absent file is no secret and the default patterns.
Result<StreamSecrets> ReadStreamSecretsFile(const std::string& path, Env* env = nullptr);

}  // namespace evbus

#endif  // EVBUS_STREAM_SECRETS_FILE_H_
