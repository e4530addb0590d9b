// Registers keepFreedMemory on the mxrec_io addon's exports (malloc_tuning.cc).
#pragma once
#include <node_api.h>

void RegisterMallocTuning(napi_env env, napi_value exports);
