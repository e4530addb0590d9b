// Registers startWriteback on the mxrec_io addon's exports (writeback.cc).
#pragma once
#include <node_api.h>

void RegisterWriteback(napi_env env, napi_value exports);
