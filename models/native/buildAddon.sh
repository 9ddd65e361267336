#!/bin/sh
# Builds the optional native kernels (models/native/build/x3ecg_native.node) for THIS machine's CPU.
# Needs g++ and Node's headers (Debian: the nodejs package ships /usr/include/node). Without it the
# project runs on its JS/WASM kernels. With oneDNN's headers (Debian: libdnnl-dev) BatchMatMul runs on
# oneDNN's sgemm (1.5-2x the built-in GEMM here); X3ECG_NO_DNNL=1 builds without it.
# Usage: sh models/native/buildAddon.sh [output.node]
set -eu
here=$(dirname "$0")
out=${1:-"$here/build/x3ecg_native.node"}
nodeinc=${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}
[ -f "$nodeinc/node_api.h" ] || nodeinc=/usr/include/node
mkdir -p "$(dirname "$out")"
dnnl=""
if [ -z "${X3ECG_NO_DNNL:-}" ] && [ -f /usr/include/oneapi/dnnl/dnnl.h ]; then dnnl="-DX3ECG_DNNL -fopenmp -ldnnl"; fi
# shellcheck disable=SC2086 # $dnnl is a list of flags
g++ -O3 -march=native -fPIC -shared -std=c++17 -pthread -DNODE_GYP_MODULE_NAME=x3ecg_native \
  -I"$nodeinc" "$here/addon/x3ecgNative.cc" $dnnl -o "$out.tmp"
mv "$out.tmp" "$out"
echo "built $out"
