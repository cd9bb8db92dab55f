#!/bin/sh
# Turn the FileDescriptorSet of proto/p2p_api.proto (protoc-c
# --descriptor_set_out --include_imports) into C for gRPC server reflection:
#   embed_desc.sh FILE > api_grpc_desc.c
set -eu
echo '/* generated from proto/p2p_api.proto and its imports; do not edit */'
echo '#include <stddef.h>'
echo '#include <stdint.h>'
echo 'const uint8_t api_grpc_desc[] = {'
od -An -v -tx1 "$1" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
echo '0 };'
echo 'const size_t api_grpc_desc_len = sizeof(api_grpc_desc) - 1;'
