// Registers allocBatch on the mxrec_io addon's exports (batch_memory.cc).
#pragma once
#include <node_api.h>

void RegisterBatchMemory(napi_env env, napi_value exports);
