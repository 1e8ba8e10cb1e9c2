// The page's files are assembled into the binary as they are in the source
// tree (.incbin): edit tools/serve/page/ and rebuild, no other step.
#include "tools/serve/page_assets.h"

#define EVBUS_PAGE_FILE(symbol, path)                                     \
  asm(".section .rodata\n.global " #symbol "_begin\n" #symbol             \
      "_begin:\n"                                                         \
      ".incbin \"" EVBUS_SERVE_PAGE_DIR "/" path                          \
      "\"\n"                                                              \
      ".global " #symbol "_end\n" #symbol "_end:\n.byte 0\n.previous\n"); \
  extern "C" const char symbol##_begin[];                                 \
  extern "C" const char symbol##_end[];

EVBUS_PAGE_FILE(evbus_page_index, "index.html")
EVBUS_PAGE_FILE(evbus_page_js, "app.js")
EVBUS_PAGE_FILE(evbus_page_css, "app.css")

namespace evbus::serve {
namespace {

std::string_view Bytes(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<std::size_t>(end - begin));
}

}  // namespace

const PageFile* PageAsset(std::string_view name) {
  static const PageFile kFiles[] = {
      {"index.html", "text/html; charset=utf-8",
       Bytes(evbus_page_index_begin, evbus_page_index_end)},
      {"app.js", "text/javascript; charset=utf-8", Bytes(evbus_page_js_begin, evbus_page_js_end)},
      {"app.css", "text/css; charset=utf-8", Bytes(evbus_page_css_begin, evbus_page_css_end)},
  };
  for (const PageFile& file : kFiles) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

}  // namespace evbus::serve
