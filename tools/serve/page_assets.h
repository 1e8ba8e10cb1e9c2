// The page `evbus serve` shows at / (tools/serve/page/), built into the
// binary: plain HTML, CSS and JavaScript, nothing fetched from elsewhere.
#ifndef EVBUS_TOOLS_SERVE_PAGE_ASSETS_H_
#define EVBUS_TOOLS_SERVE_PAGE_ASSETS_H_

#include <string_view>

namespace evbus::serve {

struct PageFile {
  std::string_view name;  // "index.html", "app.js", "app.css"
  std::string_view content_type;
  std::string_view body;
};

// The file called `name`, or nullptr.
const PageFile* PageAsset(std::string_view name);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_PAGE_ASSETS_H_
