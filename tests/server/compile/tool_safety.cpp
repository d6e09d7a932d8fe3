// Compiled by ctest, not built: a ToolDef must name its safety class. With OMIT_SAFETY defined this file must
// fail to compile (the test expects the error to mention Safety); without it, it must compile.
#include "server/tool.hpp"

const eks::server::ToolDef kTool{
    .name = "x",
    .title = "X",
    .description = "x",
    .input_schema = "x.input",
    .output_schema = "",
    .annotations = {},
#ifndef OMIT_SAFETY
    .safety = eks::server::SafetyClass::read_only,
#endif
    .handler = {},
};
