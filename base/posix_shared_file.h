// The POSIX MappableFile, MappedRegion and LockedFile behind Env::Default()
// (base/file_env.h); only base/file_env.cc uses this header.
#ifndef EVBUS_BASE_POSIX_SHARED_FILE_H_
#define EVBUS_BASE_POSIX_SHARED_FILE_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "base/file_env.h"

namespace evbus {

Result<std::unique_ptr<MappableFile>> OpenPosixMappableFile(const std::string& path,
                                                            MapOpenMode how, mode_t mode);

Result<std::unique_ptr<LockedFile>> LockPosixFile(const std::string& path, LockWait wait,
                                                  mode_t mode);

}  // namespace evbus

#endif  // EVBUS_BASE_POSIX_SHARED_FILE_H_
