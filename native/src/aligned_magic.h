// Registers countAlignedMagic on the mxrec_io addon's exports (aligned_magic.cc).
#pragma once
#include <node_api.h>

void RegisterAlignedMagic(napi_env env, napi_value exports);
